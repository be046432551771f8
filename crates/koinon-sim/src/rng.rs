//! The random numbers of a simulation: xoshiro256++ seeded by SplitMix64, one independent
//! stream per scenario, so a scenario's numbers depend only on the seed and its index and never
//! on which thread ran it.

/// SplitMix64: spreads a 64-bit seed into well-mixed state words.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256++ (Blackman and Vigna): fast, 256 bits of state, good statistical quality.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// The stream of scenario `index` of a run seeded with `seed`.
    pub fn for_scenario(seed: u64, index: u64) -> Self {
        let mut state = seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [0u64; 4];
        for word in &mut s {
            *word = splitmix64(&mut state);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[0].wrapping_add(self.s[3]).rotate_left(23).wrapping_add(self.s[0]);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform number in [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal number (Box–Muller; one of the pair is used).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A Gamma(shape, 1) number (Marsaglia and Tsang; shapes below 1 by the boost
    /// `Gamma(a) = Gamma(a + 1) · U^(1/a)`).
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let u = 1.0 - self.uniform();
            return self.gamma(shape + 1.0) * u.powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = 1.0 - self.uniform();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }

    /// A Beta(alpha, beta) number.
    pub fn beta(&mut self, alpha: f64, beta: f64) -> f64 {
        let x = self.gamma(alpha);
        let y = self.gamma(beta);
        if x + y > 0.0 { x / (x + y) } else { 0.5 }
    }
}

/// Four independent xoshiro256++ streams filling a buffer together: the four state chains
/// interleave, so numbers come several times faster than from one stream.
#[derive(Debug, Clone)]
pub struct Lanes {
    lanes: [Rng; 4],
}

impl Lanes {
    /// The four streams of scenario `index` of a run seeded with `seed`.
    pub fn for_scenario(seed: u64, index: u64) -> Self {
        let base = index.wrapping_mul(4);
        Lanes {
            lanes: [
                Rng::for_scenario(seed, base),
                Rng::for_scenario(seed, base.wrapping_add(1)),
                Rng::for_scenario(seed, base.wrapping_add(2)),
                Rng::for_scenario(seed, base.wrapping_add(3)),
            ],
        }
    }

    /// The first stream, for the few numbers drawn one at a time.
    pub fn first(&mut self) -> &mut Rng {
        &mut self.lanes[0]
    }

    /// Fills `buf` with random numbers.
    pub fn fill(&mut self, buf: &mut [u64]) {
        let [a, b, c, d] = &mut self.lanes;
        let mut chunks = buf.chunks_exact_mut(4);
        for chunk in &mut chunks {
            chunk[0] = a.next_u64();
            chunk[1] = b.next_u64();
            chunk[2] = c.next_u64();
            chunk[3] = d.next_u64();
        }
        for v in chunks.into_remainder() {
            *v = a.next_u64();
        }
    }
}

/// The threshold that a uniform `u64` falls below with probability `p`: `next_u64() < t`
/// happens with probability `p` (to within 2⁻⁶⁴). `p = 1` is `u64::MAX`, a probability of
/// 1 − 2⁻⁶⁴.
#[inline]
pub fn threshold(p: f64) -> u64 {
    if p <= 0.0 {
        0
    } else if p >= 1.0 {
        u64::MAX
    } else {
        // 2^64 · p, exact to the 53 bits of p.
        (p * 18_446_744_073_709_551_616.0) as u64
    }
}

/// The threshold that a uniform 32-bit number (as `u64`) falls below with probability `p`, to
/// within 2⁻³²: 0 for `p = 0` (never), 2³² for `p = 1` (always).
#[inline]
pub fn threshold32(p: f64) -> u64 {
    if p <= 0.0 {
        0
    } else if p >= 1.0 {
        1 << 32
    } else {
        (p * 4_294_967_296.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_depend_on_seed_and_index_only() {
        let a: Vec<u64> = (0..4).map(|_| Rng::for_scenario(7, 3).next_u64()).collect();
        assert!(a.iter().all(|v| *v == a[0]));
        assert_ne!(Rng::for_scenario(7, 3).next_u64(), Rng::for_scenario(7, 4).next_u64());
        assert_ne!(Rng::for_scenario(7, 3).next_u64(), Rng::for_scenario(8, 3).next_u64());
    }

    #[test]
    fn uniform_mean_and_beta_moments_are_right() {
        let mut rng = Rng::for_scenario(1, 0);
        let n = 200_000;
        let mean = (0..n).map(|_| rng.uniform()).sum::<f64>() / f64::from(n);
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
        // Beta(9, 11): mean 0.45, variance αβ/((α+β)²(α+β+1)) = 99/8400 = 0.011786.
        let draws: Vec<f64> = (0..n).map(|_| rng.beta(9.0, 11.0)).collect();
        let mean = draws.iter().sum::<f64>() / f64::from(n);
        let var = draws.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / f64::from(n);
        assert!((mean - 0.45).abs() < 0.002, "{mean}");
        assert!((var - 0.011_786).abs() < 0.0005, "{var}");
        // A small shape takes the boost path.
        let small: f64 = (0..n).map(|_| rng.gamma(0.5)).sum::<f64>() / f64::from(n);
        assert!((small - 0.5).abs() < 0.01, "{small}");
    }

    #[test]
    fn lanes_fill_the_same_numbers_for_the_same_scenario() {
        let mut a = vec![0u64; 11];
        let mut b = vec![0u64; 11];
        Lanes::for_scenario(5, 9).fill(&mut a);
        Lanes::for_scenario(5, 9).fill(&mut b);
        assert_eq!(a, b);
        let mut c = vec![0u64; 11];
        Lanes::for_scenario(5, 10).fill(&mut c);
        assert_ne!(a, c);
        // The four lanes are different streams.
        assert!(a[0] != a[1] && a[1] != a[2] && a[2] != a[3]);
    }

    #[test]
    fn thresholds_give_their_probability() {
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(1.0), u64::MAX);
        assert_eq!(threshold(0.5), 1u64 << 63);
        let mut rng = Rng::for_scenario(2, 0);
        let t = threshold(0.3);
        let hits = (0..100_000).filter(|_| rng.next_u64() < t).count();
        assert!((29_000..31_000).contains(&hits), "{hits}");
        assert_eq!(threshold32(0.0), 0);
        assert_eq!(threshold32(1.0), 1 << 32);
        assert_eq!(threshold32(0.25), 1 << 30);
        // Always, whatever the 32-bit number.
        assert!(u64::from(u32::MAX) < threshold32(1.0));
    }
}
