/*
 * Independent oracle for neuroplug's `spinnaker_lif` model: sPyNNaker's
 * IF_curr_exp neuron (LIF + exponential current synapses + static threshold)
 * written with GCC's ISO/IEC TR 18037 fixed-point types and compiled for ARM,
 * so that every `accum` (s16.15) addition, subtraction, multiplication and
 * comparison is done by the compiler's own fixed-point support, as on the
 * SpiNNaker chip (ARM968, GCC).  The exponentials of the initialisation are
 * spinn_common's expk()/expulr() (src/stdfix-exp.c), linked from a checkout.
 *
 * Build and run: see generate.py (arm-linux-gnueabi-gcc, qemu-arm).
 *
 * Each expression below follows the sPyNNaker source (master, Apache-2.0
 * version of the files; paths relative to neural_modelling/src/):
 *   neuron/models/neuron_model_lif_impl.h  neuron_model_initialise(),
 *       lif_ceil_accum(), lif_neuron_closed_form(), neuron_model_state_update(),
 *       neuron_model_has_spiked()
 *   neuron/synapse_types/exp_synapse_utils.h  decay_and_init(),
 *       exp_shaping(), add_input_exp()
 *   neuron/decay.h  decay_s1615(), decay_s1615_to_u032()
 *   common/maths-util.h  kdivk(), kdivui()
 *   neuron/threshold_types/threshold_type_static.h  (V >= threshold)
 *   neuron/implementations/neuron_impl_standard.h  order of one time step
 * The statements are re-typed here (not copied); only their arithmetic is the
 * same.  udiv64() (an exact unsigned 64-bit division in sPyNNaker) is C's `/`.
 *
 * stdin: number of neurons, then per neuron one line of 11 raw s16.15
 * parameters (as the host writes them: round-to-nearest of value * 2^15)
 *   V_init V_rest c_m tau_m I_offset V_reset T_refract_ms time_step
 *   tau_syn_E tau_syn_I V_thresh
 * then the number of steps, then per step and neuron one line
 *   w_exc w_inh I_dc            (raw s16.15 integers)
 * stdout: per neuron one line "C R exp_TC T_refract exc_decay exc_init
 *   inh_decay inh_init" (raw), then per step and neuron one line
 *   "S V refract I_exc I_inh spike" after the step.
 */
#include <stdfix.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

accum expk(accum x);                 /* spinn_common src/stdfix-exp.c */
unsigned long fract expulr(accum x); /* spinn_common src/stdfix-exp.c */

static int32_t bits_k(accum x) { int32_t r; memcpy(&r, &x, 4); return r; }
static accum k_bits(int32_t x) { accum r; memcpy(&r, &x, 4); return r; }
static uint32_t bits_ulr(unsigned long fract x) { uint32_t r; memcpy(&r, &x, 4); return r; }
static unsigned long fract ulr_bits(uint32_t x) { unsigned long fract r; memcpy(&r, &x, 4); return r; }

/* common/maths-util.h */
static accum kdivk(accum a, accum b) {
    return k_bits((uint32_t) ((((uint64_t) bits_k(a)) << 15) / (uint64_t) bits_k(b)));
}
static accum kdivui(accum a, uint32_t b) {
    return k_bits((int32_t) ((uint64_t) bits_k(a) / (uint64_t) b));
}

/* neuron/decay.h */
static accum decay_s1615(accum x, unsigned long fract decay) {
    int64_t s = (int64_t) bits_k(x);
    int64_t u = (int64_t) bits_ulr(decay);
    return k_bits((int32_t) ((s * u) >> 32));
}
static unsigned long fract decay_s1615_to_u032(accum x, unsigned long fract decay) {
    uint64_t s = (uint64_t) bits_k(x);
    uint64_t u = (uint64_t) bits_ulr(decay);
    return ulr_bits((uint32_t) ((s * u) >> 15));
}

/* neuron/models/neuron_model_lif_impl.h */
static int32_t lif_ceil_accum(accum value) {
    int32_t bits = bits_k(value);
    int32_t integer = bits >> 15;
    int32_t fraction = bits & 0x7FFF;
    return fraction > 0 ? integer + 1 : integer;
}

typedef struct {
    accum V, V_rest, R, exp_TC, I_offset, V_reset, V_thresh;
    int32_t refract, T_refract;
    unsigned long fract exc_decay, exc_init, inh_decay, inh_init;
    accum I_exc, I_inh;
} neuron;

/* neuron/synapse_types/exp_synapse_utils.h decay_and_init() */
static void decay_and_init(unsigned long fract *decay, unsigned long fract *init,
                           accum tau, accum ts) {
    accum ts_over_tau = kdivk(ts, tau);
    *decay = expulr(-ts_over_tau);
    unsigned long fract inv_decay = 1.0ulr - *decay;
    accum tau_over_ts = kdivk(tau, ts);
    *init = decay_s1615_to_u032(tau_over_ts, inv_decay);
}

int main(void) {
    int n;
    if (scanf("%d", &n) != 1 || n < 1 || n > 64) return 1;
    neuron nrn[64];
    for (int i = 0; i < n; i++) {
        int32_t p[11];
        for (int j = 0; j < 11; j++) {
            long v;
            if (scanf("%ld", &v) != 1) return 1;
            p[j] = (int32_t) v;
        }
        neuron *s = &nrn[i];
        /* neuron_model_initialise(), one step per time step */
        accum ts = kdivui(k_bits(p[7]), 1);
        s->V = k_bits(p[0]);
        s->V_rest = k_bits(p[1]);
        s->R = kdivk(k_bits(p[3]), k_bits(p[2]));
        s->exp_TC = expk(-kdivk(ts, k_bits(p[3])));
        s->I_offset = k_bits(p[4]);
        s->refract = 0;
        s->V_reset = k_bits(p[5]);
        s->T_refract = lif_ceil_accum(kdivk(k_bits(p[6]), ts));
        s->V_thresh = k_bits(p[10]);
        decay_and_init(&s->exc_decay, &s->exc_init, k_bits(p[8]), ts);
        decay_and_init(&s->inh_decay, &s->inh_init, k_bits(p[9]), ts);
        s->I_exc = 0k;
        s->I_inh = 0k;
        printf("C %ld %ld %ld %lu %lu %lu %lu\n", (long) bits_k(s->R),
               (long) bits_k(s->exp_TC), (long) s->T_refract,
               (unsigned long) bits_ulr(s->exc_decay), (unsigned long) bits_ulr(s->exc_init),
               (unsigned long) bits_ulr(s->inh_decay), (unsigned long) bits_ulr(s->inh_init));
    }
    long steps;
    if (scanf("%ld", &steps) != 1) return 1;
    for (long t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++) {
            long we, wi, idc;
            if (scanf("%ld %ld %ld", &we, &wi, &idc) != 3) return 1;
            neuron *s = &nrn[i];
            /* ring buffer -> synapse: add_input_exp() */
            s->I_exc = s->I_exc + decay_s1615(k_bits((int32_t) we), s->exc_init);
            s->I_inh = s->I_inh + decay_s1615(k_bits((int32_t) wi), s->inh_init);
            /* neuron_model_state_update() */
            if (s->refract <= 0) {
                accum total_exc = 0k;
                accum total_inh = 0k;
                total_exc += s->I_exc;
                total_inh += s->I_inh;
                accum external_bias = 0k;
                accum current_offset = k_bits((int32_t) idc);
                accum input = total_exc - total_inh + external_bias + s->I_offset + current_offset;
                /* lif_neuron_closed_form() */
                accum alpha = input * s->R + s->V_rest;
                s->V = alpha - (s->exp_TC * (alpha - s->V));
            } else {
                s->refract--;
            }
            /* threshold_type_static.h: REAL_COMPARE(value, >=, threshold) */
            int spike = bits_k(s->V) >= bits_k(s->V_thresh);
            if (spike) { /* neuron_model_has_spiked() */
                s->V = s->V_reset;
                s->refract = s->T_refract;
            }
            /* synapse_types_shape_input(): exp_shaping() */
            s->I_exc = decay_s1615(s->I_exc, s->exc_decay);
            s->I_inh = decay_s1615(s->I_inh, s->inh_decay);
            printf("S %ld %ld %ld %ld %d\n", (long) bits_k(s->V), (long) s->refract,
                   (long) bits_k(s->I_exc), (long) bits_k(s->I_inh), spike);
        }
    }
    return 0;
}
