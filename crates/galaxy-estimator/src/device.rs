//! Device choice: CUDA when compiled in (`cuda` feature) and available, else the CPU.

use candle_core::Device;

/// The device a run should use. With `prefer_gpu` and the `cuda` feature, tries
/// `Device::new_cuda(0)` and falls back to the CPU on any error (`Device::cuda_if_available`
/// does not fall back when the driver or GPU is missing). Returns the device and, when the
/// GPU was requested but is unusable, the reason.
pub fn select_device(prefer_gpu: bool) -> (Device, Option<String>) {
    if !prefer_gpu {
        return (Device::Cpu, None);
    }
    if !cfg!(feature = "cuda") {
        return (
            Device::Cpu,
            Some("built without the `cuda` feature; using the CPU".into()),
        );
    }
    match Device::new_cuda(0) {
        Ok(d) => (d, None),
        Err(e) => (
            Device::Cpu,
            Some(format!("CUDA device 0 unavailable ({e}); using the CPU")),
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_unless_asked() {
        assert!(super::select_device(false).0.is_cpu());
        // without the feature (CI) a GPU request falls back with a reason
        if !cfg!(feature = "cuda") {
            let (d, why) = super::select_device(true);
            assert!(d.is_cpu() && why.is_some());
        }
    }
}
