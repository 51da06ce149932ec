package io.ckpt.forensics.lab;

import java.util.List;
import java.util.Map;

/** Who made a request to a simulated kubelet, after authentication. */
record KubeletUser(String name, String uid, List<String> groups, Map<String, List<String>> extra) {}
