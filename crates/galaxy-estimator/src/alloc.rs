//! Allocator tuning for training on the CPU.
//!
//! Every training step allocates and frees activation buffers of many megabytes. glibc serves
//! such blocks with `mmap` and returns them with `munmap`, so each step page-faults all of its
//! memory in again (measured: 40% of a CPU training step). [`tune_allocator`] asks glibc to serve
//! large blocks from the heap and to keep freed memory, once per process. It is called by
//! [`crate::train::train`] and [`crate::infer::predict`]; set the environment variable
//! `MSTAR_NO_MALLOC_TUNING=1` to leave the allocator alone. Other platforms: a no-op.

use std::sync::Once;

static ONCE: Once = Once::new();

/// Tunes glibc's malloc for large, short-lived buffers (idempotent; see the module docs).
pub fn tune_allocator() {
    ONCE.call_once(|| {
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
