//! CPU runtime tuning for training: the allocator and candle's elementwise thread pool.
//!
//! candle 0.11 runs its elementwise operators on a pool of spinning worker threads (a barrier
//! pool). Its main thread spin-waits for every worker at the end of every operator, so when the
//! cores are shared (other processes, or our own rayon work) each small operator can wait a whole
//! scheduler time slice: measured, a small MLP trained 6x slower (85 s against 13.4 s), with 85% of
//! the time in the spin loops. The elementwise operators are cheap next to the GEMMs and our own
//! kernels (which use rayon, following `RAYON_NUM_THREADS`), so [`tune_allocator`] sets
//! `CANDLE_NUM_THREADS=1` (unless it is already set) before candle creates that pool.
//!
//! Every training step allocates and frees activation buffers of many megabytes. glibc serves
//! such blocks with `mmap` and returns them with `munmap`, so each step page-faults all of its
//! memory in again (measured: 40% of a CPU training step). [`tune_allocator`] asks glibc to serve
//! large blocks from the heap and to keep freed memory, once per process. It is called by
//! [`crate::train::train`] and [`crate::infer::predict`]; set the environment variable
//! `MSTAR_NO_MALLOC_TUNING=1` to leave the allocator alone (other platforms: no allocator change).
//! The entry points that create tensors ([`crate::nn::Network::new`], training, inference, model
//! loading) call it first; a program that runs candle operators before calling any of them should
//! call it (or set `CANDLE_NUM_THREADS`) at the start of `main`.

use std::sync::Once;

static ONCE: Once = Once::new();

/// Tunes glibc's malloc for large, short-lived buffers (idempotent; see the module docs).
pub fn tune_allocator() {
    ONCE.call_once(|| {
        if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
            // SAFETY: std's environment accessors serialise on one lock, so Rust readers cannot
            // race this write; it runs once, before our first candle operator.
            unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
        }
        if std::env::var_os("MSTAR_NO_MALLOC_TUNING").is_some() {
            return;
        }
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: mallopt only changes allocator parameters; it is called once, before the
        // large allocations of training, and has no memory-safety preconditions.
        unsafe {
            libc::mallopt(libc::M_MMAP_MAX, 0);
            libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
            libc::mallopt(libc::M_TOP_PAD, 64 << 20);
        }
    });
}
