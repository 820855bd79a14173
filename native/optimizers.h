// Optimizer updates, in place on the parameter and its state arrays, one pass each.
#pragma once
#include "dtype.h"

namespace ds {

struct AdamArgs { double lr, beta1, beta2, epsilon, step; };
struct SgdArgs { double lr, momentum; bool nesterov; };
struct RmspropArgs { double lr, rho, momentum, epsilon; bool centered; };

void adam_update(const Buf& param, const Buf& grad, const Buf& m, const Buf& v, const AdamArgs& a);
void sgd_update(const Buf& param, const Buf& grad, const Buf* velocity, const SgdArgs& a);
void rmsprop_update(const Buf& param, const Buf& grad, const Buf& ms, const Buf* mom, const Buf* mg, const RmspropArgs& a);

}  // namespace ds
