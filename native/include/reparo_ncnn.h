// Reparo's C++ glue over ncnn, compiled into the JNI library next to ncnn's C API.
// Flat functions only: the JavaCPP parser reads the declarations; the bodies stay native.
#ifndef REPARO_NCNN_H
#define REPARO_NCNN_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>

#include "c_api.h"
#include "cpu.h"
#include "datareader.h"
#include "mat.h"
#include "net.h"
#include "platform.h"
#include "reparo_letterbox.h"

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

/*
 * YOLO pre-processing of interleaved 3-channel 8-bit pixels, the same numbers as
 * ncnn_mat_from_pixels_resize + ncnn_copy_make_border + ncnn_mat_substract_mean_normalize (1.7x as
 * fast for a 640x480 frame on AVX2): ncnn's bilinear resize in its 11-bit fixed point, skipped when the size is
 * unchanged, written into the [top, left] corner area of a new [3, out_h, out_w] float mat; every
 * other cell is fill; each value v becomes fma(v, norm, -mean * norm) as ncnn's Scale layer computes
 * it. The work is arranged for SIMD: each source row is resized horizontally once into three
 * channel rows (reparo_letterbox.h), and two such rows are blended vertically straight into the
 * output planes, with no intermediate 8-bit image. swap_rb writes the input's channels 2, 1, 0 (BGR to
 * RGB). Pixels start at pixels + offset (a Java array passed in place); mean may be NULL (none).
 * Returns NULL on bad sizes or allocation failure; the caller destroys the mat.
 */
inline ncnn_mat_t reparo_ncnn_letterbox_c3(const unsigned char* pixels, size_t offset, int width, int height, int stride,
    int swap_rb, int resized_w, int resized_h, int top, int left, int out_w, int out_h, float fill,
    const float* mean, const float* norm)
{
    if (width <= 0 || height <= 0 || stride < width * 3 || resized_w <= 0 || resized_h <= 0 || top < 0
        || left < 0 || top + resized_h > out_h || left + resized_w > out_w || norm == 0)
        return 0;
    pixels += offset;
    if ((resized_w != width || resized_h != height) && (width < 2 || height < 2))
    {
        // Bilinear sampling needs two source pixels per axis: repeat the single row or column
        // (interpolating between equal pixels gives that pixel).
        const int w2 = std::max(width, 2), h2 = std::max(height, 2);
        unsigned char* twice = (unsigned char*)malloc((size_t)w2 * h2 * 3);
        if (!twice)
            return 0;
        for (int y = 0; y < h2; y++)
            for (int x = 0; x < w2; x++)
                memcpy(twice + ((size_t)y * w2 + x) * 3, pixels + (size_t)std::min(y, height - 1) * stride
                    + (size_t)std::min(x, width - 1) * 3, 3);
        ncnn_mat_t mat = reparo_ncnn_letterbox_c3(twice, 0, w2, h2, w2 * 3, swap_rb, resized_w, resized_h, top, left,
            out_w, out_h, fill, mean, norm);
        free(twice);
        return mat;
    }

    ncnn::Mat* out = new ncnn::Mat(out_w, out_h, 3, (size_t)4u);
    if (out->empty())
    {
        delete out;
        return 0;
    }
    // Indexed by input channel k: its scale, bias and output plane.
    float scale[3], bias[3];
    float* plane[3];
    for (int c = 0; c < 3; c++)
    {
        const int from = swap_rb ? 2 - c : c;   // output channel c reads input channel from
        scale[from] = norm[c];
        bias[from] = mean ? -mean[c] * norm[c] : -0.f;
        plane[from] = out->channel(c);
        const float border = reparo_letterbox::normalize_value(fill, norm[c], bias[from]);
        float* p = plane[from];
        for (int y = 0; y < out_h; y++)
        {
            float* row = p + (size_t)y * out_w;
            if (y < top || y >= top + resized_h)
            {
                for (int x = 0; x < out_w; x++) row[x] = border;
            }
            else
            {
                for (int x = 0; x < left; x++) row[x] = border;
                for (int x = left + resized_w; x < out_w; x++) row[x] = border;
            }
        }
    }
    if (resized_w == width && resized_h == height)
    {
        for (int y = 0; y < resized_h; y++)
            for (int k = 0; k < 3; k++)
                reparo_letterbox::row_normalize(pixels + (size_t)y * stride, k, width, scale[k], bias[k],
                    plane[k] + (size_t)(top + y) * out_w + left);
        return (ncnn_mat_t)out;
    }

    const int w = resized_w, h = resized_h;
    int* buf = (int*)malloc(sizeof(int) * ((size_t)w * 3 + (size_t)h * 3 + (size_t)w * 6));
    if (!buf)
    {
        delete out;
        return 0;
    }
    int *xofs = buf, *a0 = xofs + w, *a1 = a0 + w, *yofs = a1 + w, *b0 = yofs + h, *b1 = b0 + h;
    int* rows[2][3];
    for (int r = 0; r < 2; r++)
        for (int k = 0; k < 3; k++)
            rows[r][k] = b1 + h + (size_t)(r * 3 + k) * w;
    reparo_letterbox::bilinear_coefficients(width, w, xofs, a0, a1);
    for (int x = 0; x < w; x++)
        xofs[x] *= 3;
    reparo_letterbox::bilinear_coefficients(height, h, yofs, b0, b1);

    int have = -2;   // source row held in rows[0]; rows[1] holds have + 1
    for (int dy = 0; dy < h; dy++)
    {
        const int sy = yofs[dy];
        if (sy == have + 1)
        {
            std::swap(rows[0][0], rows[1][0]);
            std::swap(rows[0][1], rows[1][1]);
            std::swap(rows[0][2], rows[1][2]);
            reparo_letterbox::hresize_c3(pixels + (size_t)(sy + 1) * stride, xofs, a0, a1, w, rows[1][0], rows[1][1], rows[1][2]);
        }
        else if (sy != have)
        {
            reparo_letterbox::hresize_c3(pixels + (size_t)sy * stride, xofs, a0, a1, w, rows[0][0], rows[0][1], rows[0][2]);
            reparo_letterbox::hresize_c3(pixels + (size_t)(sy + 1) * stride, xofs, a0, a1, w, rows[1][0], rows[1][1], rows[1][2]);
        }
        have = sy;
        for (int k = 0; k < 3; k++)
            reparo_letterbox::vresize_normalize(rows[0][k], rows[1][k], b0[dy], b1[dy], w, scale[k], bias[k],
                plane[k] + (size_t)(top + dy) * out_w + left);
    }
    free(buf);
    return (ncnn_mat_t)out;
}

#endif /* REPARO_NCNN_H */
