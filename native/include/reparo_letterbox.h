// Kernels of reparo_ncnn_letterbox_c3 (reparo_ncnn.h), kept out of the header that JavaCPP parses.
// The loops are written so that compilers vectorize them; on x86-64 the hot ones also exist for
// AVX2 (+FMA) and are picked at run time (__builtin_cpu_supports; an explicit gather for the resize).
#ifndef REPARO_LETTERBOX_H
#define REPARO_LETTERBOX_H

#include <limits.h>
#include <math.h>

#include <algorithm>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define REPARO_X86_DISPATCH 1
#else
#define REPARO_X86_DISPATCH 0
#endif

namespace reparo_letterbox {

/* ncnn's bilinear coefficients (resize_bilinear_*): source index and 11-bit fixed-point weights. */
static void bilinear_coefficients(int src, int dst, int* ofs, int* w0, int* w1)
{
    const double scale = (double)src / dst;
    for (int d = 0; d < dst; d++)
    {
        float f = (float)((d + 0.5) * scale - 0.5);
        int s = (int)floor(f);
        f -= s;
        if (s < 0)
        {
            s = 0;
            f = 0.f;
        }
        if (s >= src - 1)
        {
            s = src - 2;
            f = 1.f;
        }
        const float a0 = (1.f - f) * 2048, a1 = f * 2048;
        ofs[d] = s;
        w0[d] = std::min(std::max((int)(a0 + (a0 >= 0.f ? 0.5f : -0.5f)), SHRT_MIN), SHRT_MAX);
        w1[d] = std::min(std::max((int)(a1 + (a1 >= 0.f ? 0.5f : -0.5f)), SHRT_MIN), SHRT_MAX);
    }
}

/*
 * One channel of one source row resized horizontally, in ncnn's fixed point (8-bit value * 128):
 * out[x] = (p[xofs3[x] + c] * a0[x] + p[xofs3[x] + 3 + c] * a1[x]) >> 4. xofs3 holds 3 * the left
 * source pixel, which is at most width - 2, so 4 bytes read there stay inside the row: one 32-bit
 * load brings both pixels (bytes 0 and 3), which on AVX2 becomes one gather per 8 outputs.
 */
static void hresize_scalar(const unsigned char* row, const int* xofs3, int c, const int* a0, const int* a1, int w,
    int* out)
{
    for (int x = 0; x < w; x++)
    {
        const unsigned char* p = row + xofs3[x] + c;
        out[x] = (p[0] * a0[x] + p[3] * a1[x]) >> 4;
    }
}

#if REPARO_X86_DISPATCH
__attribute__((target("avx2"))) static void hresize_avx2(const unsigned char* row, const int* xofs3, int c,
    const int* a0, const int* a1, int w, int* out)
{
    const __m256i low_byte = _mm256_set1_epi32(0xff);
    const __m256i channel = _mm256_set1_epi32(c);
    int x = 0;
    for (; x + 8 <= w; x += 8)
    {
        __m256i idx = _mm256_add_epi32(_mm256_loadu_si256((const __m256i*)(xofs3 + x)), channel);
        __m256i both = _mm256_i32gather_epi32((const int*)row, idx, 1);
        __m256i p0 = _mm256_and_si256(both, low_byte);
        __m256i p1 = _mm256_srli_epi32(both, 24);
        __m256i sum = _mm256_add_epi32(_mm256_mullo_epi32(p0, _mm256_loadu_si256((const __m256i*)(a0 + x))),
            _mm256_mullo_epi32(p1, _mm256_loadu_si256((const __m256i*)(a1 + x))));
        _mm256_storeu_si256((__m256i*)(out + x), _mm256_srai_epi32(sum, 4));
    }
    hresize_scalar(row, xofs3 + x, c, a0 + x, a1 + x, w - x, out + x);
}
#endif

/* Resizes one source row into three channel rows (AVX2 where the CPU has it). */
static void hresize_c3(const unsigned char* row, const int* xofs3, const int* a0, const int* a1, int w, int* out0,
    int* out1, int* out2)
{
    int* outs[3] = {out0, out1, out2};
#if REPARO_X86_DISPATCH
    static const bool avx2 = __builtin_cpu_supports("avx2");
    if (avx2)
    {
        for (int c = 0; c < 3; c++)
            hresize_avx2(row, xofs3, c, a0, a1, w, outs[c]);
        return;
    }
#endif
    for (int c = 0; c < 3; c++)
        hresize_scalar(row, xofs3, c, a0, a1, w, outs[c]);
}

/*
 * value * norm + bias, rounded as ncnn's own normalisation (its Scale layer, dispatched at run time)
 * rounds it on this CPU: one fused multiply-add where ncnn runs FMA kernels (x86 with FMA, and ARM),
 * a product and a sum rounded separately on x86 CPUs without FMA (ncnn's SSE2 path). Fused picks
 * which; the baseline x86-64 target has no FMA instruction, so the compiler cannot fuse the
 * separate form behind our back.
 */
template <bool Fused>
static inline __attribute__((always_inline)) float affine(float v, float norm, float bias)
{
    if (Fused)
        return fmaf(v, norm, bias);
    const float product = v * norm;
    return product + bias;
}

/* Vertical blend of two resized rows (ncnn's rounding and 8-bit saturation), then value * norm + bias. */
template <bool Fused>
static inline __attribute__((always_inline)) void vresize_normalize_body(const int* __restrict r0,
    const int* __restrict r1, int b0, int b1, int w, float norm, float bias, float* __restrict out)
{
    for (int x = 0; x < w; x++)
    {
        int v = (((r0[x] * b0) >> 16) + ((r1[x] * b1) >> 16) + 2) >> 2;
        v = v > 255 ? 255 : v;
        out[x] = affine<Fused>((float)v, norm, bias);
    }
}

/* Unscaled case: one row's channel c straight to floats. */
template <bool Fused>
static inline __attribute__((always_inline)) void row_normalize_body(const unsigned char* __restrict row, int c,
    int w, float norm, float bias, float* __restrict out)
{
    for (int x = 0; x < w; x++)
        out[x] = affine<Fused>((float)row[x * 3 + c], norm, bias);
}

#if REPARO_X86_DISPATCH
__attribute__((target("avx2,fma"))) static void vresize_normalize_avx2_fma(const int* r0, const int* r1, int b0,
    int b1, int w, float norm, float bias, float* out)
{
    vresize_normalize_body<true>(r0, r1, b0, b1, w, norm, bias, out);
}

__attribute__((target("avx2,fma"))) static void row_normalize_avx2_fma(const unsigned char* row, int c, int w,
    float norm, float bias, float* out)
{
    row_normalize_body<true>(row, c, w, norm, bias, out);
}

/* 1: AVX2 + FMA kernels; 2: FMA without AVX2 (fused, portable code); 0: no FMA (separate rounding). */
static int x86_affine_kind()
{
    static const int kind = __builtin_cpu_supports("fma") ? (__builtin_cpu_supports("avx2") ? 1 : 2) : 0;
    return kind;
}
#endif

/* One value through affine() as this CPU's kernels round it (the border colour). */
static float normalize_value(float v, float norm, float bias)
{
#if REPARO_X86_DISPATCH
    if (x86_affine_kind() == 0)
        return affine<false>(v, norm, bias);
#endif
    return affine<true>(v, norm, bias);
}

static void vresize_normalize(const int* r0, const int* r1, int b0, int b1, int w, float norm, float bias, float* out)
{
#if REPARO_X86_DISPATCH
    switch (x86_affine_kind())
    {
    case 1: vresize_normalize_avx2_fma(r0, r1, b0, b1, w, norm, bias, out); return;
    case 0: vresize_normalize_body<false>(r0, r1, b0, b1, w, norm, bias, out); return;
    default: break;
    }
#endif
    vresize_normalize_body<true>(r0, r1, b0, b1, w, norm, bias, out);
}

static void row_normalize(const unsigned char* row, int c, int w, float norm, float bias, float* out)
{
#if REPARO_X86_DISPATCH
    switch (x86_affine_kind())
    {
    case 1: row_normalize_avx2_fma(row, c, w, norm, bias, out); return;
    case 0: row_normalize_body<false>(row, c, w, norm, bias, out); return;
    default: break;
    }
#endif
    row_normalize_body<true>(row, c, w, norm, bias, out);
}

} // namespace reparo_letterbox

#endif /* REPARO_LETTERBOX_H */
