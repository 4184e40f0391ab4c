// Reparo's C++ glue over ncnn, compiled into the JNI library next to ncnn's C API.
// Flat functions only: the JavaCPP parser reads the declarations; the bodies stay native.
#ifndef REPARO_NCNN_H
#define REPARO_NCNN_H

#include <string.h>

#include "c_api.h"
#include "cpu.h"
#include "datareader.h"
#include "net.h"
#include "platform.h"

/* Returned by reparo_ncnn_load_model_bounded. */
#define REPARO_NCNN_LOAD_OK 0
#define REPARO_NCNN_LOAD_TRUNCATED -1
#define REPARO_NCNN_LOAD_FAILED -2

/*
 * Loads a net's weights from data[0, size). Unlike ncnn_net_load_model_memory, which trusts the
 * buffer to be long enough, every read is bounded: a bin shorter than its param implies returns
 * REPARO_NCNN_LOAD_TRUNCATED instead of reading past the end. *consumed receives the bytes used.
 */
inline int reparo_ncnn_load_model_bounded(ncnn_net_t net, const unsigned char* data, size_t size, size_t* consumed)
{
    class BoundedReader : public ncnn::DataReader
    {
    public:
        BoundedReader(const unsigned char* d, size_t n)
            : data(d), size(n), pos(0), overrun(false)
        {
        }
        virtual size_t read(void* buf, size_t n) const
        {
            size_t left = size - pos;
            if (n > left)
            {
                overrun = true;
                n = left;
            }
            memcpy(buf, data + pos, n);
            pos += n;
            return n;
        }
        // No reference(): ncnn must copy the weights, the caller frees data after loading.
        const unsigned char* data;
        size_t size;
        mutable size_t pos;
        mutable bool overrun;
    };

    BoundedReader reader(data, size);
    int ret = ((ncnn::Net*)net->pthis)->load_model(reader);
    *consumed = reader.pos;
    if (reader.overrun)
        return REPARO_NCNN_LOAD_TRUNCATED;
    return ret == 0 ? REPARO_NCNN_LOAD_OK : REPARO_NCNN_LOAD_FAILED;
}

/* Light mode frees each intermediate blob as soon as no later layer needs it (ncnn's default). */
inline void reparo_ncnn_option_set_lightmode(ncnn_option_t opt, int enable)
{
    ((ncnn::Option*)opt)->lightmode = enable != 0;  // c_api.cpp: an ncnn_option_t is an Option*
}

/* Number of logical CPUs ncnn sees. */
inline int reparo_ncnn_cpu_count()
{
    return ncnn::get_cpu_count();
}

/* Number of physical cores ncnn sees. */
inline int reparo_ncnn_physical_cpu_count()
{
    return ncnn::get_physical_cpu_count();
}

inline int reparo_ncnn_omp_num_threads()
{
    return ncnn::get_omp_num_threads();
}

inline void reparo_ncnn_set_omp_num_threads(int num_threads)
{
    ncnn::set_omp_num_threads(num_threads);
}

/*
 * 1 if ncnn detected the CPU feature (names as in ncnn's cpu.h without the cpu_support_ prefix,
 * e.g. "x86_avx2", "x86_avx512_vnni", "arm_asimddp"), 0 if not, -1 for a name it does not know.
 */
inline int reparo_ncnn_cpu_supports(const char* feature)
{
    static const struct
    {
        const char* name;
        int (*probe)();
    } features[] = {
        {"x86_avx", ncnn::cpu_support_x86_avx},
        {"x86_fma", ncnn::cpu_support_x86_fma},
        {"x86_f16c", ncnn::cpu_support_x86_f16c},
        {"x86_avx2", ncnn::cpu_support_x86_avx2},
        {"x86_avx_vnni", ncnn::cpu_support_x86_avx_vnni},
        {"x86_avx512", ncnn::cpu_support_x86_avx512},
        {"x86_avx512_vnni", ncnn::cpu_support_x86_avx512_vnni},
        {"x86_avx512_bf16", ncnn::cpu_support_x86_avx512_bf16},
        {"x86_avx512_fp16", ncnn::cpu_support_x86_avx512_fp16},
        {"arm_neon", ncnn::cpu_support_arm_neon},
        {"arm_vfpv4", ncnn::cpu_support_arm_vfpv4},
        {"arm_asimdhp", ncnn::cpu_support_arm_asimdhp},
        {"arm_asimddp", ncnn::cpu_support_arm_asimddp},
        {"arm_asimdfhm", ncnn::cpu_support_arm_asimdfhm},
        {"arm_bf16", ncnn::cpu_support_arm_bf16},
        {"arm_i8mm", ncnn::cpu_support_arm_i8mm},
        {"arm_sve", ncnn::cpu_support_arm_sve},
        {"arm_sve2", ncnn::cpu_support_arm_sve2},
    };
    for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
    {
        if (strcmp(features[i].name, feature) == 0)
            return features[i].probe() ? 1 : 0;
    }
    return -1;
}

#endif /* REPARO_NCNN_H */
