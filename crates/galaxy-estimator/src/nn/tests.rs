use super::*;
use crate::config::{Mode, Preset};

fn images(c: usize, h: usize) -> InputSpec {
    InputSpec::Images {
        channels: c,
        height: h,
        width: h,
    }
}

#[test]
fn paper_image_density_model_has_6_007_000_parameters() {
    // METHOD.md section 3 / issue 5: ugriz 64x64 images, one additional input, 520 bins.
    let cfg = ModelConfig::preset(Preset::Paper, images(5, 64), 1, Mode::Density);
    let (layers, total) = describe(&cfg).unwrap();
    assert_eq!(total, 6_007_000);
    assert_eq!(layers.iter().map(|l| l.params).sum::<usize>(), total);
}

#[test]
fn preset_parameter_counts() {
    // Hand counts (see docs/benchmarks-galaxy-estimator.md for the derivation of the formulae).
    let dense = |i: usize, o: usize| i * o + o;
    let conv = |k: usize, i: usize, o: usize| k * k * i * o + o;
    // paper, images, no additional input: 6_007_000 - dense(1, 96).
    let cfg = ModelConfig::preset(Preset::Paper, images(5, 64), 0, Mode::Density);
    assert_eq!(describe(&cfg).unwrap().1, 6_007_000 - dense(1, 96));
    // paper contrastive images with 7 additional inputs: encoder latent 16 + 512, plus decoder.
    let cfg = ModelConfig::preset(Preset::Paper, images(5, 64), 7, Mode::Contrastive);
    let enc_base = 6_007_000 - dense(1, 96) + dense(7, 96) - dense(1024, 16) + dense(1024, 528);
    let dec = dense(528, 8 * 8 * 16)
        + conv(3, 16, 32)
        + 5 * conv(3, 32, 32)
        + conv(3, 32, 32)
        + conv(3, 32, 5);
    assert_eq!(describe(&cfg).unwrap().1, enc_base + dec);
    // paper photometry density: Mopt = 5 mags + 6 additional.
    let tab = |k| InputSpec::Tabular { features: k };
    let cfg = ModelConfig::preset(Preset::Paper, tab(5), 6, Mode::Density);
    let enc = dense(11, 128) + 19 * dense(128, 128) + dense(128, 8);
    let head = dense(8, 128) + dense(128, 520);
    assert_eq!(describe(&cfg).unwrap().1, enc + head);
    // paper photometry contrastive: latent 8 + 8, decoder 19 x 128 -> 5.
    let cfg = ModelConfig::preset(Preset::Paper, tab(5), 6, Mode::Contrastive);
    let enc = dense(11, 128) + 19 * dense(128, 128) + dense(128, 16);
    let dec = dense(16, 128) + 18 * dense(128, 128) + dense(128, 5);
    assert_eq!(describe(&cfg).unwrap().1, enc + head + dec);
    // small images 32x32, 1 additional, density (with the additional-input branch).
    let cfg = ModelConfig::preset(Preset::Small, images(5, 32), 1, Mode::Density);
    let block =
        |cin: usize| 3 * conv(1, cin, 8) + conv(1, cin, 8) + conv(5, 8, 16) + conv(3, 8, 16);
    let enc = dense(1, 16)
        + conv(5, 5, 16)
        + conv(3, 16, 16)
        + block(16)
        + 2 * block(48)
        + conv(3, 48, 32)
        + dense(2 * 2 * 32, 128)
        + dense(128 + 64, 16)
        // the late-fusion branch of the additional inputs: 4 x 64 LeakyReLU, then linear 64
        + dense(1, 64)
        + 3 * dense(64, 64)
        + dense(64, 64);
    let head = dense(16, 128) + dense(128, 520);
    assert_eq!(describe(&cfg).unwrap().1, enc + head);
    // small photometry contrastive.
    let cfg = ModelConfig::preset(Preset::Small, tab(8), 8, Mode::Contrastive);
    let enc = dense(16, 64) + 5 * dense(64, 64) + dense(64, 16);
    let head = dense(8, 64) + dense(64, 520);
    let dec = dense(16, 64) + 4 * dense(64, 64) + dense(64, 8);
    assert_eq!(describe(&cfg).unwrap().1, enc + head + dec);
}

#[test]
fn forward_shapes_and_seeded_init() {
    let cfg = ModelConfig::preset(Preset::Small, images(3, 16), 2, Mode::Contrastive);
    let mut cfg = cfg;
    cfg.image.stages = vec![1, 1];
    let net = Network::new(&cfg, 7, &Device::Cpu).unwrap();
    let x = Tensor::ones((4, 16, 16, 3), DType::F32, &Device::Cpu).unwrap();
    let a = Tensor::ones((4, 2), DType::F32, &Device::Cpu).unwrap();
    let z = net.encode(&x, Some(&a)).unwrap();
    assert_eq!(z.dims(), &[4, 16 + 48]);
    assert_eq!(net.estimate(&z).unwrap().dims(), &[4, 520]);
    assert_eq!(net.decode(&z).unwrap().dims(), &[4, 16, 16, 3]);
    // same seed -> same weights; different seed -> different weights
    let net2 = Network::new(&cfg, 7, &Device::Cpu).unwrap();
    let net3 = Network::new(&cfg, 8, &Device::Cpu).unwrap();
    for (((_, a), (_, b)), (_, c)) in net
        .params()
        .named()
        .zip(net2.params().named())
        .zip(net3.params().named())
    {
        let a = a.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let b = b.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(a, b);
        let c = c.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        if a.len() > 10 && a.iter().any(|&v| v != 0.1) {
            assert_ne!(a, c);
        }
    }
    // Glorot limit and 0.1 biases
    for (name, v) in net.params().named() {
        let vals = v.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        if name.ends_with(".b") {
            assert!(vals.iter().all(|&x| x == 0.1), "{name}");
        }
    }
    let (_, w) = net
        .params()
        .named()
        .find(|(n, _)| *n == "enc.stem.w")
        .unwrap();
    let lim = (6.0f32 / (25.0 * 3.0 + 25.0 * 16.0)).sqrt();
    let vals = w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert!(vals.iter().all(|v| v.abs() <= lim));
    assert!(vals.iter().any(|v| v.abs() > 0.9 * lim));
}

#[test]
fn bad_configs_are_typed_errors() {
    let mut cfg = ModelConfig::preset(Preset::Paper, images(5, 32), 1, Mode::Density);
    // 32x32 with three stages leaves 4x4: three valid 3x3 convolutions do not fit.
    assert!(matches!(
        Network::new(&cfg, 0, &Device::Cpu),
        Err(crate::EstimatorError::InvalidConfig {
            field: "image.tail_convs",
            ..
        })
    ));
    cfg.input = images(5, 60);
    assert!(matches!(
        cfg.check(),
        Err(crate::EstimatorError::InvalidConfig { field: "input", .. })
    ));
}
