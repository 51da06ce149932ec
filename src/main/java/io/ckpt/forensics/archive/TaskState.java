package io.ckpt.forensics.archive;

/** A task's state at dump time, as CRIU records it (compel/include/uapi/task-state.h). */
public enum TaskState {
  ALIVE("Alive"),
  DEAD("Dead"),
  STOPPED("Stopped"),
  ZOMBIE("Zombie"),
  UNKNOWN("Unknown");

  private final String label;

  TaskState(String label) {
    this.label = label;
  }

  /** The name CRIU and checkpointctl print. */
  public String label() {
    return label;
  }

  /** Only alive and stopped tasks have memory, files and sockets in the images. */
  public boolean hasResources() {
    return this == ALIVE || this == STOPPED;
  }

  static TaskState of(int code) {
    return switch (code) {
      case 1 -> ALIVE;
      case 2 -> DEAD;
      case 3 -> STOPPED;
      case 6 -> ZOMBIE;
      default -> UNKNOWN;
    };
  }
}
