package io.ckpt.forensics.lab;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/** Marks a test class that starts an {@link S3TestServer}: skipped with the reason, or failed, as {@link S3ServerAvailability} decides. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(S3ServerAvailability.class)
public @interface RequiresS3Server {
}
