// Oracle for neuroplug's `truenorth` model in its deterministic modes: drives the
// NeuronBlock class of RANC's C++ simulator (github.com/UA-RCL/RANC, MIT licence,
// simulator/src/neuronblock.{h,cpp}, compiled from a checkout; not copied here) tick by
// tick, in the order RANC's CoreController uses (corecontroller.cpp): load the stored
// potential, integrate() once per active synapse with the weight of its axon type,
// leak(), spikes(positive threshold), output_potential(...) becomes the stored potential.
// RANC is a TrueNorth-like architecture; its NeuronBlock implements the TrueNorth
// neuron without the stochastic modes, leak reversal and negative saturation:
// reset modes 0 (absolute: R / -R) and 1 (linear: V - alpha / V + beta), with the
// asymmetric negative test V < -beta (reset type asymetric_reset).
//
// stdin: n; per neuron "w0 w1 w2 w3 leak alpha beta R mode"; steps; then per step
// and neuron "A0 A1 A2 A3" (active synapses per axon type).
// stdout: per step and neuron "S V spike".
#include <cstdio>
#include <vector>
#include "neuronblock.h"

int main() {
    int n;
    if (std::scanf("%d", &n) != 1) return 1;
    std::vector<std::vector<int>> w(n, std::vector<int>(4));
    std::vector<int> leak(n), alpha(n), beta(n), R(n), mode(n), V(n, 0);
    for (int i = 0; i < n; i++) {
        if (std::scanf("%d %d %d %d %d %d %d %d %d", &w[i][0], &w[i][1], &w[i][2], &w[i][3],
                       &leak[i], &alpha[i], &beta[i], &R[i], &mode[i]) != 9) return 1;
    }
    long steps;
    if (std::scanf("%ld", &steps) != 1) return 1;
    NeuronBlock nb(asymetric_reset);
    for (long t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++) {
            int a[4];
            if (std::scanf("%d %d %d %d", &a[0], &a[1], &a[2], &a[3]) != 4) return 1;
            nb.current_potential = V[i];
            for (int g = 0; g < 4; g++)
                for (int k = 0; k < a[g]; k++) nb.integrate(w[i], g);
            nb.leak(leak[i]);
            bool spike = nb.spikes(alpha[i]);
            V[i] = nb.output_potential(alpha[i], -beta[i], R[i], mode[i]);
            std::printf("S %d %d\n", V[i], spike ? 1 : 0);
        }
    }
    return 0;
}
