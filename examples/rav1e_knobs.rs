//! Measures rav1e's speed knobs on raw 8-bit 4:2:0 frames, one thread (as
//! each Fanout chunk job runs). Used by `bench/knobs/run.mjs`; writes IVF so
//! ffmpeg can score the result.
//!
//! `cargo run --release --example rav1e_knobs -- in.yuv WxH frames quantizer variant out.ivf`
//!
//! `variant` is `+`-joined knobs on top of speed preset 10: `base`, `ll`
//! (low latency), `la<N>` (RDO lookahead frames), `nosd` (no scene
//! detection), `nocdef`, `noseg` (no segmentation), `s<N>` (preset N).

use std::io::{Read, Write};

use rav1e::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, size, frames, quantizer, variant, output] = &args[..] else {
        eprintln!("usage: rav1e_knobs in.yuv WxH frames quantizer variant out.ivf");
        std::process::exit(2);
    };
    let (w, h) = size.split_once('x').expect("WxH");
    let (w, h): (usize, usize) = (w.parse().unwrap(), h.parse().unwrap());
    let frames: usize = frames.parse().unwrap();
    let mut speed = SpeedSettings::from_preset(10);
    let mut low_latency = false;
    for knob in variant.split('+') {
        match knob {
            "base" => {}
            "ll" => low_latency = true,
            "nosd" => speed.scene_detection_mode = SceneDetectionSpeed::None,
            "nocdef" => speed.cdef = false,
            "noseg" => speed.segmentation = SegmentationLevel::Disabled,
            k if k.starts_with("la") => speed.rdo_lookahead_frames = k[2..].parse().unwrap(),
            k if k.starts_with('s') => {
                let la = speed.rdo_lookahead_frames;
                speed = SpeedSettings::from_preset(k[1..].parse().unwrap());
                speed.rdo_lookahead_frames = la.min(speed.rdo_lookahead_frames);
            }
            k => panic!("unknown knob {k}"),
        }
    }
    let enc = EncoderConfig {
        width: w,
        height: h,
        time_base: Rational::new(1, 30),
        quantizer: quantizer.parse().unwrap(),
        min_key_frame_interval: 0,
        max_key_frame_interval: 715_827_882,
        low_latency,
        speed_settings: speed,
        ..Default::default()
    };
    let mut ctx: Context<u8> = Config::new()
        .with_encoder_config(enc)
        .with_threads(1)
        .new_context()
        .unwrap();
    let mut file = std::fs::File::open(input).unwrap();
    let mut out = std::fs::File::create(output).unwrap();
    let mut header = Vec::new();
    header.extend_from_slice(b"DKIF\0\0\x20\0AV01");
    header.extend_from_slice(&(w as u16).to_le_bytes());
    header.extend_from_slice(&(h as u16).to_le_bytes());
    header.extend_from_slice(&30u32.to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    header.extend_from_slice(&(frames as u32).to_le_bytes());
    header.extend_from_slice(&[0; 4]);
    out.write_all(&header).unwrap();
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut buf = vec![0u8; w * h + 2 * cw * ch];
    let write = |p: Packet<u8>, out: &mut std::fs::File| {
        out.write_all(&(p.data.len() as u32).to_le_bytes()).unwrap();
        out.write_all(&p.input_frameno.to_le_bytes()).unwrap();
        out.write_all(&p.data).unwrap();
    };
    for _ in 0..frames {
        file.read_exact(&mut buf).unwrap();
        let mut f = ctx.new_frame();
        f.planes[0].copy_from_raw_u8(&buf[..w * h], w, 1);
        f.planes[1].copy_from_raw_u8(&buf[w * h..w * h + cw * ch], cw, 1);
        f.planes[2].copy_from_raw_u8(&buf[w * h + cw * ch..], cw, 1);
        ctx.send_frame(f).unwrap();
        while let Ok(p) = ctx.receive_packet() {
            write(p, &mut out);
        }
    }
    ctx.flush();
    loop {
        match ctx.receive_packet() {
            Ok(p) => write(p, &mut out),
            Err(EncoderStatus::LimitReached) => break,
            Err(_) => {}
        }
    }
}
