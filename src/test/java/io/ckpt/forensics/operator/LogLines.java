package io.ckpt.forensics.operator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The lines one class's logger writes while a test runs (SLF4J goes to java.util.logging in tests). */
final class LogLines extends Handler implements AutoCloseable {

  private final Logger logger;
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

  LogLines(Class<?> source) {
    logger = Logger.getLogger(source.getName());
    logger.addHandler(this);
  }

  @Override
  public void publish(LogRecord record) {
    lines.add(record.getLevel() + " " + record.getMessage());
  }

  List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
