package io.ckpt.forensics.lab;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/** Marks a cluster test class that starts its own {@link Lab}: skipped with the reason, or failed, as {@link LabAvailability} decides. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(LabAvailability.class)
public @interface RequiresLab {
}
