/** counts[t][p]: how many samples of true class t were predicted as p. */
export function confusionCounts(yTrue: readonly number[], yPred: readonly number[], numClasses?: number): number[][] {
  if (yTrue.length !== yPred.length) {
    throw new Error(`confusionMatrix: ${yTrue.length} labels but ${yPred.length} predictions.`);
  }
  // A loop, not Math.max(...ids): spreading tens of thousands of arguments overflows the stack.
  let k = numClasses ?? 0;
  if (numClasses === undefined) for (const c of [...yTrue, ...yPred]) k = Math.max(k, c + 1);
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (t < 0 || t >= k || p < 0 || p >= k)
      throw new Error(`confusionMatrix: class ${t < 0 || t >= k ? t : p} out of range 0..${k - 1}.`);
    counts[t]![p]!++;
  }
  return counts;
}
