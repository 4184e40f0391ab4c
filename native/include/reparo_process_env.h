// setenv/getenv for Java (dev.reparo.ncnn.process.ProcessEnv), in a JNI library of its own that
// links nothing but libc: loading it must not load libgomp, which reads its settings
// (OMP_WAIT_POLICY, GOMP_SPINCOUNT) from the environment once, when it is loaded.
#ifndef REPARO_PROCESS_ENV_H
#define REPARO_PROCESS_ENV_H

#include <stdlib.h>

/* Sets name=value unless name is already set (a user's own setting wins); 0 on success. */
inline int reparo_setenv_if_unset(const char* name, const char* value)
{
    return setenv(name, value, 0);
}

/* The value the C runtime sees now, or NULL. */
inline const char* reparo_getenv(const char* name)
{
    return getenv(name);
}

#endif /* REPARO_PROCESS_ENV_H */
