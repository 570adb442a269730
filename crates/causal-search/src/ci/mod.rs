//! Conditional-independence (CI) tests behind one trait, with a thread-safe result cache.
//!
//! A [`CiTest`] answers "is X independent of Y given Z?" for variables addressed by index (the node
//! order of the search: the variables of a [`Dataset`](crate::data::Dataset), or the observed nodes of an
//! oracle graph). It returns a [`CiResult`] with a p-value; searches call a pair independent when
//! `p_value > alpha` (causal-learn's convention).
//!
//! **Contract for implementers** (the searches and the cache rely on it):
//! - `test(x, y, z)` is a pure function of the *unordered* pair `{x, y}` and the *set* `z`: the same
//!   query gives the same result whatever the call order, thread or previous calls. Searches and
//!   [`CachedTest`] always call with the canonical query of [`CiKey::new`] (`x < y`, `z` sorted, no
//!   repeats), so an asymmetric procedure (e.g. a permutation test that shuffles X) should simply use
//!   the arguments as given. A randomised test derives its stream from [`query_seed`]`(seed, x, y, z)`
//!   so that parallel and serial runs agree.
//! - `x != y`, and neither appears in `z` (the caller guarantees it; [`check_query`] validates).
//! - Bad data (singular matrices, too few samples, ...) is a typed error, never a panic.
//!
//! ```
//! use causal_search::ci::{CachedTest, CiTest, CiResult};
//! use causal_search::error::Result;
//!
//! /// A toy test: X0 and X1 are dependent unless conditioned on X2.
//! struct Toy;
//! impl CiTest for Toy {
//!     fn name(&self) -> &str { "toy" }
//!     fn n_variables(&self) -> usize { 3 }
//!     fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
//!         let indep = !(x == 0 && y == 1) || z.contains(&2);
//!         Ok(CiResult::new(0.0, if indep { 1.0 } else { 0.0 }))
//!     }
//! }
//! let t = CachedTest::new(Toy);
//! assert_eq!(t.test(1, 0, &[]).unwrap().p_value, 0.0);
//! assert_eq!(t.test(0, 1, &[2]).unwrap().p_value, 1.0);
//! assert_eq!(t.test(0, 1, &[]).unwrap().p_value, 0.0); // served from the cache
//! assert_eq!(t.stats().hits, 1);
//! ```

// Test modules of the `local` branch (cmiknn) are declared directly below this comment.
pub mod cmiknn;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::error::{CausalError, Result};

pub mod discrete;
pub mod fisher_z;
pub mod gaussian_vector;
pub(crate) mod linalg;
pub mod oracle;

/// The outcome of one conditional-independence test.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CiResult {
    /// The test statistic (its meaning depends on the test: |z| for Fisher-z, X^2 or G^2 for discrete
    /// tests, the CMI estimate in nats for CMIknn, 0 or 1 for the oracle).
    pub statistic: f64,
    /// The p-value in `[0, 1]`; independence is accepted when `p_value > alpha`.
    pub p_value: f64,
    /// Degrees of freedom of the reference distribution, when there is one.
    pub dof: Option<f64>,
}

impl CiResult {
    /// A result without degrees of freedom.
    pub fn new(statistic: f64, p_value: f64) -> Self {
        CiResult {
            statistic,
            p_value,
            dof: None,
        }
    }

    /// A result with degrees of freedom.
    pub fn with_dof(statistic: f64, p_value: f64, dof: f64) -> Self {
        CiResult {
            statistic,
            p_value,
            dof: Some(dof),
        }
    }

    /// True when the test accepts independence at level `alpha` (`p_value > alpha`).
    pub fn independent(&self, alpha: f64) -> bool {
        self.p_value > alpha
    }
}

/// A conditional-independence test over variables addressed by index.
///
/// See the [module documentation](self) for the contract. Implementations must be `Send + Sync` so
/// that searches can run tests in parallel (rayon).
pub trait CiTest: Send + Sync {
    /// A short name for reports (e.g. `"fisherz"`).
    fn name(&self) -> &str;

    /// The number of variables the test addresses (valid indices are `0..n_variables()`).
    fn n_variables(&self) -> usize;

    /// Tests X_x independent of X_y given the set X_z.
    fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult>;

    /// A cheap certificate that **no** conditioning set makes `x` and `y` independent (e.g. the
    /// oracle's graph has the edge `x - y`). Searches then skip the pair's tests; the default
    /// `false` means "unknown".
    fn always_dependent(&self, _x: usize, _y: usize) -> bool {
        false
    }
}

impl<T: CiTest + ?Sized> CiTest for &T {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn n_variables(&self) -> usize {
        (**self).n_variables()
    }
    fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
        (**self).test(x, y, z)
    }
    fn always_dependent(&self, x: usize, y: usize) -> bool {
        (**self).always_dependent(x, y)
    }
}

impl<T: CiTest + ?Sized> CiTest for Box<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn n_variables(&self) -> usize {
        (**self).n_variables()
    }
    fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
        (**self).test(x, y, z)
    }
    fn always_dependent(&self, x: usize, y: usize) -> bool {
        (**self).always_dependent(x, y)
    }
}

impl<T: CiTest + ?Sized> CiTest for std::sync::Arc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn n_variables(&self) -> usize {
        (**self).n_variables()
    }
    fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
        (**self).test(x, y, z)
    }
    fn always_dependent(&self, x: usize, y: usize) -> bool {
        (**self).always_dependent(x, y)
    }
}

/// Checks a query against a test's variable count: indices in range, `x != y`, `x`, `y` not in `z`,
/// no repeats in `z`.
pub fn check_query(n_variables: usize, x: usize, y: usize, z: &[usize]) -> Result<()> {
    for &v in [x, y].iter().chain(z) {
        if v >= n_variables {
            return Err(CausalError::IndexOutOfRange {
                index: v,
                n: n_variables,
            });
        }
    }
    if x == y {
        return Err(CausalError::param(
            "x, y",
            format!("a CI test needs two different variables, got {x} twice"),
        ));
    }
    // The searches pass ascending sets: no repeats to look for then.
    let ascending = z.windows(2).all(|w| w[0] < w[1]);
    for (i, &v) in z.iter().enumerate() {
        if v == x || v == y {
            return Err(CausalError::param(
                "z",
                format!("conditioning set contains a tested variable ({v})"),
            ));
        }
        if !ascending && z[..i].contains(&v) {
            return Err(CausalError::param(
                "z",
                format!("conditioning set repeats variable {v}"),
            ));
        }
    }
    Ok(())
}

/// A canonical CI query: `x < y`, `z` sorted without repeats. Used as the cache key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CiKey {
    /// The smaller tested variable.
    pub x: usize,
    /// The larger tested variable.
    pub y: usize,
    /// The conditioning set, sorted ascending, no repeats.
    pub z: Vec<usize>,
}

impl CiKey {
    /// Canonicalises a query (swaps `x` and `y` if needed, sorts and de-duplicates `z`).
    pub fn new(x: usize, y: usize, z: &[usize]) -> Self {
        let (x, y) = if x <= y { (x, y) } else { (y, x) };
        let mut z = z.to_vec();
        z.sort_unstable();
        z.dedup();
        CiKey { x, y, z }
    }
}

/// A seed for one query, derived from a base seed and the canonical query, independent of call order:
/// randomised tests (CMIknn's permutations) seed their RNG with it so that parallel and serial runs,
/// and cached and uncached runs, agree. SplitMix64 mixing of the base seed, `min(x,y)`, `max(x,y)` and
/// the sorted `z`.
pub fn query_seed(seed: u64, x: usize, y: usize, z: &[usize]) -> u64 {
    fn mix(mut h: u64, v: u64) -> u64 {
        h ^= v
            .wrapping_add(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(h << 6)
            .wrapping_add(h >> 2);
        let mut s = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
        s = (s ^ (s >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        s = (s ^ (s >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        s ^ (s >> 31)
    }
    let key = CiKey::new(x, y, z);
    let mut h = mix(seed, 0x5EED);
    h = mix(h, key.x as u64);
    h = mix(h, key.y as u64);
    h = mix(h, key.z.len() as u64);
    for v in key.z {
        h = mix(h, v as u64);
    }
    h
}

const SHARDS: usize = 32;

/// A fast non-cryptographic hasher for cache keys (small integers; no untrusted input): a
/// multiply-rotate mix per word. SipHash (the std default) cost as much as a Fisher-z test.
#[derive(Clone, Copy, Debug, Default)]
struct KeyHasher(u64);

impl KeyHasher {
    #[inline]
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517C_C1B7_2722_0A95);
    }
}

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // final avalanche so that every bit depends on every word
        let mut z = self.0;
        z = (z ^ (z >> 33)).wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        z ^ (z >> 33)
    }
}

type KeyMap = HashMap<CiKey, CiResult, std::hash::BuildHasherDefault<KeyHasher>>;

/// Cache statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheStats {
    /// Queries answered from the cache.
    pub hits: u64,
    /// Queries that ran the underlying test.
    pub misses: u64,
    /// Distinct queries stored.
    pub entries: u64,
}

/// A thread-safe map from canonical queries to results (sharded mutexes).
#[derive(Debug)]
pub struct CiCache {
    shards: Vec<Mutex<KeyMap>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Default for CiCache {
    fn default() -> Self {
        Self::new()
    }
}

impl CiCache {
    /// An empty cache.
    pub fn new() -> Self {
        CiCache {
            shards: (0..SHARDS).map(|_| Mutex::new(KeyMap::default())).collect(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn shard(&self, key: &CiKey) -> &Mutex<KeyMap> {
        let mut h = KeyHasher::default();
        key.hash(&mut h);
        // bits 40..45: neither the low bits (bucket index) nor the top 7 (tags) of the map's hash
        &self.shards[((h.finish() >> 40) as usize) % SHARDS]
    }

    /// The stored result of a query, if any.
    pub fn get(&self, key: &CiKey) -> Option<CiResult> {
        let guard = self.shard(key).lock().unwrap_or_else(|p| p.into_inner());
        guard.get(key).copied()
    }

    /// Stores a result.
    pub fn insert(&self, key: CiKey, result: CiResult) {
        let mut guard = self.shard(&key).lock().unwrap_or_else(|p| p.into_inner());
        guard.insert(key, result);
    }

    /// Current statistics.
    pub fn stats(&self) -> CacheStats {
        let entries = self
            .shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).len() as u64)
            .sum();
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries,
        }
    }

    /// Removes every entry and resets the statistics.
    pub fn clear(&self) {
        for s in &self.shards {
            s.lock().unwrap_or_else(|p| p.into_inner()).clear();
        }
        self.hits.store(0, Ordering::Relaxed);
        self.misses.store(0, Ordering::Relaxed);
    }
}

/// Wraps a test with a [`CiCache`]: each canonical query runs the inner test once.
///
/// The inner test is always called with the canonical query ([`CiKey::new`]), so results do not
/// depend on argument order even for asymmetric procedures. Errors are not cached.
#[derive(Debug)]
pub struct CachedTest<T> {
    inner: T,
    cache: CiCache,
}

impl<T: CiTest> CachedTest<T> {
    /// Wraps `inner` with an empty cache.
    pub fn new(inner: T) -> Self {
        CachedTest {
            inner,
            cache: CiCache::new(),
        }
    }

    /// The wrapped test.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The cache.
    pub fn cache(&self) -> &CiCache {
        &self.cache
    }

    /// Cache statistics.
    pub fn stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// Unwraps the inner test.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: CiTest> CiTest for CachedTest<T> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn n_variables(&self) -> usize {
        self.inner.n_variables()
    }

    fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
        check_query(self.inner.n_variables(), x, y, z)?;
        let key = CiKey::new(x, y, z);
        if let Some(r) = self.cache.get(&key) {
            self.cache.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(r);
        }
        let r = self.inner.test(key.x, key.y, &key.z)?;
        self.cache.misses.fetch_add(1, Ordering::Relaxed);
        self.cache.insert(key, r);
        Ok(r)
    }

    fn always_dependent(&self, x: usize, y: usize) -> bool {
        self.inner.always_dependent(x, y)
    }
}

/// A test that is cached or not, chosen at run time (used by the searches).
pub enum MaybeCached<T> {
    /// With a cache.
    Cached(CachedTest<T>),
    /// Without.
    Plain(T),
}

impl<T: CiTest> MaybeCached<T> {
    /// Wraps `inner`, with a cache when `cache` is true.
    pub fn new(inner: T, cache: bool) -> Self {
        if cache {
            MaybeCached::Cached(CachedTest::new(inner))
        } else {
            MaybeCached::Plain(inner)
        }
    }

    /// Cache statistics (zeros without a cache).
    pub fn stats(&self) -> CacheStats {
        match self {
            MaybeCached::Cached(c) => c.stats(),
            MaybeCached::Plain(_) => CacheStats::default(),
        }
    }
}

impl<T: CiTest> CiTest for MaybeCached<T> {
    fn name(&self) -> &str {
        match self {
            MaybeCached::Cached(c) => c.name(),
            MaybeCached::Plain(t) => t.name(),
        }
    }
    fn n_variables(&self) -> usize {
        match self {
            MaybeCached::Cached(c) => c.n_variables(),
            MaybeCached::Plain(t) => t.n_variables(),
        }
    }
    fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
        match self {
            MaybeCached::Cached(c) => c.test(x, y, z),
            MaybeCached::Plain(t) => {
                check_query(t.n_variables(), x, y, z)?;
                let k = CiKey::new(x, y, z);
                t.test(k.x, k.y, &k.z)
            }
        }
    }
    fn always_dependent(&self, x: usize, y: usize) -> bool {
        match self {
            MaybeCached::Cached(c) => c.always_dependent(x, y),
            MaybeCached::Plain(t) => t.always_dependent(x, y),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting(std::sync::atomic::AtomicUsize);
    impl CiTest for Counting {
        fn name(&self) -> &str {
            "counting"
        }
        fn n_variables(&self) -> usize {
            5
        }
        fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
            assert!(x < y && z.windows(2).all(|w| w[0] < w[1]));
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(CiResult::new((x * 10 + y) as f64, 0.5))
        }
    }

    #[test]
    fn cache_canonicalises_and_counts() {
        let t = CachedTest::new(Counting(Default::default()));
        let a = t.test(3, 1, &[4, 0]).unwrap();
        let b = t.test(1, 3, &[0, 4]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.statistic, 13.0);
        assert_eq!(t.inner().0.load(Ordering::SeqCst), 1);
        let s = t.stats();
        assert_eq!((s.hits, s.misses, s.entries), (1, 1, 1));
        t.cache().clear();
        assert_eq!(t.stats().entries, 0);
    }

    #[test]
    fn bad_queries_are_errors() {
        let t = CachedTest::new(Counting(Default::default()));
        assert!(matches!(
            t.test(0, 5, &[]),
            Err(CausalError::IndexOutOfRange { index: 5, n: 5 })
        ));
        assert!(t.test(1, 1, &[]).is_err());
        assert!(t.test(1, 2, &[2]).is_err());
        assert!(t.test(1, 2, &[3, 3]).is_err());
    }

    #[test]
    fn query_seed_is_order_free_and_distinct() {
        assert_eq!(query_seed(7, 1, 2, &[5, 3]), query_seed(7, 2, 1, &[3, 5]));
        assert_ne!(query_seed(7, 1, 2, &[3]), query_seed(8, 1, 2, &[3]));
        assert_ne!(query_seed(7, 1, 2, &[3]), query_seed(7, 1, 3, &[2]));
        assert_ne!(query_seed(7, 1, 2, &[]), query_seed(7, 1, 2, &[0]));
    }
}
