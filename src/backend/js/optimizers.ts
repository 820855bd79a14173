import type { AdamParams, RmspropParams, SgdParams } from '../backend.js';
import type { FloatArray } from '../../core/dtype.js';

/** Keras's Adam: bias correction folded into the step size, epsilon added after the sqrt. */
export function adamUpdate(param: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, p: AdamParams): void {
  const { beta1, beta2, epsilon } = p;
  const alpha = (p.lr * Math.sqrt(1 - Math.pow(beta2, p.step))) / (1 - Math.pow(beta1, p.step));
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!;
    const mi = m[i]! + (g - m[i]!) * (1 - beta1);
    const vi = v[i]! + (g * g - v[i]!) * (1 - beta2);
    m[i] = mi;
    v[i] = vi;
    param[i]! -= (alpha * mi) / (Math.sqrt(vi) + epsilon);
  }
}

/** Keras's SGD: velocity = momentum * velocity - lr * g; nesterov looks one step ahead. */
export function sgdUpdate(param: FloatArray, grad: FloatArray, velocity: FloatArray | null, p: SgdParams): void {
  const { lr, momentum, nesterov } = p;
  if (!velocity) {
    for (let i = 0; i < param.length; i++) param[i]! -= lr * grad[i]!;
    return;
  }
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!;
    const vel = momentum * velocity[i]! - lr * g;
    velocity[i] = vel;
    param[i]! += nesterov ? momentum * vel - lr * g : vel;
  }
}

/** Keras's RMSprop (optionally centered, optionally with momentum). */
export function rmspropUpdate(
  param: FloatArray,
  grad: FloatArray,
  ms: FloatArray,
  mom: FloatArray | null,
  mg: FloatArray | null,
  p: RmspropParams,
): void {
  const { lr, rho, momentum, epsilon } = p;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!;
    const msi = rho * ms[i]! + (1 - rho) * g * g;
    ms[i] = msi;
    let denom = msi;
    if (p.centered && mg) {
      const mgi = rho * mg[i]! + (1 - rho) * g;
      mg[i] = mgi;
      denom = msi - mgi * mgi;
    }
    const step = (lr * g) / Math.sqrt(denom + epsilon);
    if (momentum > 0 && mom) {
      const mi = momentum * mom[i]! + step;
      mom[i] = mi;
      param[i]! -= mi;
    } else {
      param[i]! -= step;
    }
  }
}
