/**
 * The complementary error function, erfc(x) = 1 − erf(x), to a relative error below 1.2e-7
 * (Chebyshev fit of Numerical Recipes' `erfcc`): cheap enough to run on every point.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * −log10 of the upper tail of the standard normal, −log10 P(Z > z): how many decades of improbability
 * a z-score stands for (0 for z ≤ 0, where nothing is improbable). The asymptotic series takes over
 * where erfc would underflow, so the result keeps growing with z instead of saturating.
 */
export function normalTailDecades(z: number): number {
  if (z <= 0) return 0;
  if (z < 5) return -Math.log10(0.5 * erfc(z / Math.SQRT2));
  const z2 = z * z;
  return (z2 / 2 + Math.log(z * Math.sqrt(2 * Math.PI)) - Math.log(1 - 1 / z2 + 3 / (z2 * z2))) / Math.LN10;
}
