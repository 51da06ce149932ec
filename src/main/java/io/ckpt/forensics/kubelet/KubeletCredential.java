package io.ckpt.forensics.kubelet;

/**
 * The bearer token the direct transport shows a kubelet, and where it comes from. The token itself
 * is never logged or put into a message; {@link #source()} describes it instead.
 */
public interface KubeletCredential {

  /** The token to send now, or null when there is none. May block briefly (a file read, an API call). */
  String current();

  /** Forgets the token in hand, so the next {@link #current()} fetches a fresh one (after a 401). */
  void invalidate();

  /** Where the token comes from, for messages: never the token. */
  String source();
}
