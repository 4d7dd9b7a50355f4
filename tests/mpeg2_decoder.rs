//! Fanout's MPEG-2 video decoder against ffmpeg's decode, frame by frame:
//! streams from ffmpeg's mpeg2video/mpeg1video encoders (made at test time)
//! and from mjpegtools' mpeg2enc (tests/fixtures/mpeg2: dual prime,
//! non-linear quantiser, custom matrices, MPEG-1); then damage, truncation,
//! mid-GOP starts and fuzzing, which must never panic.

#[path = "mpeg2_decoder/support.rs"]
#[allow(dead_code)]
mod support;

#[allow(unused_imports)]
use fanout::decode::mpeg2::{Decoder, Mpeg2Error, PictureType};
use support::*;

// ---- streams from ffmpeg's encoders ----

const SRC: &str = "testsrc2=size=352x288:rate=25:duration=2";
/// Real interlaced motion: 50 Hz progressive source woven into 25 Hz frames.
const SRC_I: &str = "testsrc2=size=352x144:rate=50:duration=2,tinterlace=merge";

/// Encodes `lavfi` with `encoder` (`mpeg2video` or `mpeg1video`) and the
/// space-separated `options`, and compares every frame with ffmpeg's decode.
fn run(name: &str, lavfi: &str, encoder: &str, options: &str) {
    compare(&encoded(name, lavfi, encoder, options), 50.0);
}

/// The elementary stream `encoder` makes of `lavfi` with `options`.
fn encoded(name: &str, lavfi: &str, encoder: &str, options: &str) -> std::path::PathBuf {
    let mut args = vec!["-c:v", encoder];
    args.extend(options.split_whitespace());
    args.extend(["-f", encoder]);
    make_es(name, lavfi, &args)
}

#[test]
fn progressive() {
    run("prog.m2v", SRC, "mpeg2video", "-q:v 4 -g 12 -bf 2");
}

#[test]
fn interlaced_tff() {
    run(
        "ilace_tff.m2v",
        SRC_I,
        "mpeg2video",
        "-q:v 4 -g 12 -bf 2 -flags +ildct+ilme -top 1",
    );
}

#[test]
fn interlaced_bff() {
    run(
        "ilace_bff.m2v",
        "testsrc2=size=352x144:rate=50:duration=2,tinterlace=merge,setfield=tff,fieldorder=bff,format=yuv420p",
        "mpeg2video",
        "-q:v 4 -g 12 -bf 2 -flags +ildct+ilme -top 0",
    );
}

#[test]
fn intra_vlc_alternate_scan() {
    run(
        "ivlc_alt.m2v",
        SRC_I,
        "mpeg2video",
        "-q:v 3 -g 12 -bf 2 -flags +ildct+ilme -intra_vlc 1 -alternate_scan 1",
    );
}

#[test]
fn non_linear_quant_dc10() {
    run(
        "nlq_dc10.m2v",
        SRC,
        "mpeg2video",
        "-q:v 5 -g 12 -bf 2 -non_linear_quant 1 -qmax 28 -dc 10",
    );
}

#[test]
fn dc_precision_11_intra_matrix() {
    let m = "8,16,19,22,26,27,29,34,16,16,22,24,27,29,34,37,19,22,26,27,29,34,34,38,22,22,26,27,29,34,37,40,22,26,27,29,32,35,40,48,26,27,29,32,35,40,48,58,26,27,29,34,38,46,56,69,27,29,35,38,46,56,69,83";
    // a custom (flatter) intra matrix and a custom inter matrix
    let intra: Vec<String> = m
        .split(',')
        .map(|v| (v.parse::<u32>().unwrap() * 3 / 4).max(8).to_string())
        .collect();
    let inter: Vec<String> = (0..64)
        .map(|i| (16 + (i % 8) + (i / 8)).to_string())
        .collect();
    let options = format!(
        "-q:v 3 -g 12 -bf 2 -dc 11 -intra_matrix {} -inter_matrix {}",
        intra.join(","),
        inter.join(",")
    );
    run("matrix_dc11.m2v", SRC, "mpeg2video", &options);
}

#[test]
fn closed_gop() {
    run(
        "cgop.m2v",
        SRC,
        "mpeg2video",
        "-b:v 1500k -g 9 -bf 2 -flags +cgop -sc_threshold 1000000000",
    );
}

#[test]
fn no_b_frames_high_motion_range() {
    run(
        "ponly.m2v",
        "testsrc2=size=352x288:rate=25:duration=1,scroll=h=0.05:v=0.03",
        "mpeg2video",
        "-q:v 6 -g 25 -bf 0 -me_range 64",
    );
}

#[test]
fn odd_size_cropping() {
    run(
        "odd.m2v",
        "testsrc2=size=350x286:rate=25:duration=1",
        "mpeg2video",
        "-q:v 4 -g 12 -bf 2",
    );
}

#[test]
fn hd_1080() {
    run(
        "hd.m2v",
        "testsrc2=size=1920x540:rate=50:duration=0.32,tinterlace=merge",
        "mpeg2video",
        "-b:v 15M -g 12 -bf 2 -flags +ildct+ilme",
    );
}

#[test]
fn mpeg1() {
    run("mpeg1.m1v", SRC, "mpeg1video", "-q:v 4 -g 12 -bf 2");
}

#[test]
fn chroma_422_is_unsupported() {
    let p = encoded(
        "c422.m2v",
        "testsrc2=size=176x144:rate=25:duration=0.2",
        "mpeg2video",
        "-pix_fmt yuv422p -q:v 4",
    );
    let es = std::fs::read(p).unwrap();
    let units = split_units(&es);
    let mut d = fanout::decode::mpeg2::Decoder::new();
    match d.decode(&units[0]) {
        Err(fanout::decode::mpeg2::Mpeg2Error::Unsupported(m)) => {
            assert!(m.contains("4:2:2"), "{m}")
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
    // later units keep failing the same way, without panicking
    assert!(matches!(
        d.decode(&units[1]),
        Err(fanout::decode::mpeg2::Mpeg2Error::Unsupported(_))
    ));
}

// ---- fixtures ----

fn run_fixture(name: &str) {
    compare(&fixture(name), 50.0);
}

#[test]
fn mpeg2enc_dual_prime() {
    run_fixture("mpeg2enc_dualprime.m2v");
}

#[test]
fn mpeg2enc_interlaced_b_frames() {
    run_fixture("mpeg2enc_ilace_b.m2v");
}

#[test]
fn mpeg2enc_mpeg1() {
    run_fixture("mpeg2enc_mpeg1.m1v");
}

#[test]
fn mpeg2enc_dual_prime_bottom_field_first() {
    run_fixture("mpeg2enc_dualprime_bff.m2v");
}

// ---- robustness ----

const PROG: &str = "-q:v 4 -g 12 -bf 2";

fn count_start_codes(d: &[u8]) -> usize {
    d.windows(3).filter(|w| w == &[0, 0, 1]).count()
}

fn first_slice(u: &[u8]) -> Option<usize> {
    (0..u.len().saturating_sub(4))
        .find(|&i| u[i] == 0 && u[i + 1] == 0 && u[i + 2] == 1 && (1..=0xAF).contains(&u[i + 3]))
}

fn corrupt_and_check(name: &str, es: &[u8]) {
    let units = split_units(es);
    let mut d = Decoder::new();
    let mut frames = 0;
    let mut errors = 0;
    let mut rng = 12345u64;
    for (i, u) in units.iter().enumerate() {
        let mut u = u.to_vec();
        if i % 3 == 1 {
            let s = first_slice(&u).unwrap();
            let before = count_start_codes(&u);
            // damage a few bytes in the slice data, without creating start codes
            for _ in 0..4 {
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let span = u.len() - s - 8;
                let p = s + 8 + (rng >> 33) as usize % span;
                let old = u[p];
                u[p] ^= 0x5A;
                if count_start_codes(&u) != before {
                    u[p] = old;
                }
            }
        }
        let r = d.decode(&u).expect("decode must not fail on slice damage");
        assert!(r.frame.is_some(), "{name}: unit {i} returned no frame");
        frames += 1;
        if r.had_errors {
            errors += 1;
        }
    }
    assert_eq!(frames, units.len());
    assert!(errors > 0, "{name}: no errors reported");
    println!("RESULT {name}: {frames} frames, {errors} with had_errors");
}

#[test]
fn corrupted_slices() {
    let p = encoded("prog.m2v", SRC, "mpeg2video", PROG);
    corrupt_and_check("prog.m2v", &std::fs::read(p).unwrap());
    let p = encoded(
        "ilace_tff.m2v",
        "testsrc2=size=352x144:rate=50:duration=2,tinterlace=merge",
        "mpeg2video",
        "-q:v 4 -g 12 -bf 2 -flags +ildct+ilme -top 1",
    );
    corrupt_and_check("ilace_tff.m2v", &std::fs::read(p).unwrap());
    corrupt_and_check(
        "mpeg2enc_dualprime.m2v",
        &std::fs::read(fixture("mpeg2enc_dualprime.m2v")).unwrap(),
    );
    corrupt_and_check(
        "mpeg2enc_mpeg1.m1v",
        &std::fs::read(fixture("mpeg2enc_mpeg1.m1v")).unwrap(),
    );
}

#[test]
fn truncated_units() {
    let p = encoded("prog.m2v", SRC, "mpeg2video", PROG);
    let es = std::fs::read(p).unwrap();
    let units = split_units(&es);
    let mut d = Decoder::new();
    let mut errors = 0;
    for (i, u) in units.iter().enumerate() {
        let u: &[u8] = if i % 4 == 2 { &u[..u.len() * 3 / 5] } else { u };
        let r = d.decode(u).unwrap();
        let f = r.frame.expect("frame");
        assert_eq!((f.width, f.height), (352, 288));
        assert_eq!(f.y.len(), 352 * 288);
        assert_eq!(f.u.len(), 176 * 144);
        errors += r.had_errors as usize;
    }
    assert!(errors >= units.len() / 4);
}

#[test]
fn start_at_second_gop() {
    let p = encoded("prog.m2v", SRC, "mpeg2video", PROG);
    let es = std::fs::read(&p).unwrap();
    let units = split_units(&es);
    let gops: Vec<usize> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.windows(4).any(|w| w == [0, 0, 1, 0xB8]))
        .map(|(i, _)| i)
        .collect();
    assert!(gops.len() >= 2);
    let g = gops[1];
    let ours = reorder(decode_units(&units[g..]));
    let refs = ffmpeg_decode(&p, 352, 288);
    assert_eq!(ours.len(), refs.len() - g);
    let mut leading = 0;
    let mut seen_i = false;
    for (k, o) in ours.iter().enumerate() {
        let psnr = psnr(&o.frame, &refs[g + k]);
        if !seen_i && o.frame.picture_type == PictureType::B {
            // open GOP: leading B frames predict from the missing previous anchor
            assert!(o.had_errors, "leading B frame {k} without had_errors");
            leading += 1;
            println!("leading B {k}: {psnr:.2} dB (had_errors)");
        } else {
            seen_i = true;
            assert!(!o.had_errors, "frame {k} had errors");
            assert!(psnr >= 50.0, "frame {k}: {psnr:.2} dB");
        }
    }
    assert!(leading >= 1, "stream has no open-GOP leading B frames");
    println!(
        "RESULT start_at_second_gop: {} frames, {leading} leading B frames with had_errors",
        ours.len()
    );
}

#[test]
fn missing_references_after_reset() {
    let p = encoded("prog.m2v", SRC, "mpeg2video", PROG);
    let es = std::fs::read(p).unwrap();
    let units = split_units(&es);
    let mut d = Decoder::new();
    for u in &units[..5] {
        assert!(!d.decode(u).unwrap().had_errors);
    }
    d.reset();
    // units[5..] start with a non-I picture here
    let mut saw_error = false;
    for u in &units[5..9] {
        let r = d.decode(u).unwrap();
        assert!(r.frame.is_some());
        saw_error |= r.had_errors;
    }
    assert!(saw_error);
    // The decoder recovers at the next I frame.
    let mut d2 = Decoder::new();
    d2.decode(&units[0]).unwrap(); // sequence header
    for u in &units[1..] {
        d2.decode(u).unwrap();
    }
}

#[test]
fn bad_units() {
    let mut d = Decoder::new();
    assert!(matches!(d.decode(&[]), Err(Mpeg2Error::Malformed(_))));
    assert!(matches!(
        d.decode(&[1, 2, 3, 4, 5]),
        Err(Mpeg2Error::Malformed(_))
    ));
    // picture before any sequence header
    let pic = [0u8, 0, 1, 0, 0, 0x0F, 0xFF, 0xF8, 0, 0, 1, 1, 0x12, 0x34];
    assert!(matches!(d.decode(&pic), Err(Mpeg2Error::Malformed(_))));
    // absurd size via the sequence extension: 16383 x 16383
    let seq = [
        0u8, 0, 1, 0xB3, 0xFF, 0xFF, 0xFF, 0x13, 0xFF, 0xFF, 0xE0, 0x18, // header
        0, 0, 1, 0xB5, 0x14, 0x8B, 0xE0, 0x01, 0x00,
        0x00, // seq ext: chroma 4:2:0, size ext 3/3
    ];
    assert!(matches!(d.decode(&seq), Err(Mpeg2Error::Unsupported(_))));
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn fuzz_stream(es: &[u8], seed: u64, rounds: usize) {
    let units = split_units(es);
    let mut rng = Rng(seed);
    for round in 0..rounds {
        let mut d = Decoder::new();
        for (i, u) in units.iter().enumerate() {
            let mut u = u.to_vec();
            if round > 0 && (rng.next() % 2 == 0 || i == 0) {
                let n = 1 + rng.next() % 8;
                for _ in 0..n {
                    let p = rng.next() as usize % u.len();
                    match rng.next() % 4 {
                        0 => u[p] ^= 1 << (rng.next() % 8),
                        1 => u[p] = rng.next() as u8,
                        2 => u.truncate(p.max(1)),
                        _ => {
                            let q = rng.next() as usize % u.len();
                            u.swap(p, q)
                        }
                    }
                    if u.is_empty() {
                        break;
                    }
                }
            }
            let _ = d.decode(&u);
            if rng.next() % 29 == 0 {
                d.reset();
            }
        }
    }
}

#[test]
fn fuzz_no_panics() {
    // MPEG2DEC_FUZZ_ROUNDS raises the effort for a manual soak run.
    let rounds: usize = std::env::var("MPEG2DEC_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    for (k, name) in [
        "mpeg2enc_dualprime.m2v",
        "mpeg2enc_ilace_b.m2v",
        "mpeg2enc_mpeg1.m1v",
    ]
    .iter()
    .enumerate()
    {
        let es = std::fs::read(fixture(name)).unwrap();
        fuzz_stream(&es, 1000 + k as u64, rounds);
    }
    // field-picture stream synthesized by the unit tests (if they ran first)
    let synth = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/tmp/synth_fields_tff.m2v");
    if let Ok(es) = std::fs::read(synth) {
        fuzz_stream(&es, 77, rounds);
    }
    // pure garbage with start codes sprinkled in
    let mut rng = Rng(7);
    let mut d = Decoder::new();
    let es = std::fs::read(fixture("mpeg2enc_ilace_b.m2v")).unwrap();
    let units = split_units(&es);
    d.decode(&units[0]).unwrap();
    for _ in 0..300 {
        let len = rng.next() as usize % 3000;
        let mut u: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        for _ in 0..(rng.next() % 6) {
            if u.len() > 8 {
                let p = rng.next() as usize % (u.len() - 4);
                let code =
                    [0x00u8, 0x01, 0x05, 0x2F, 0xAF, 0xB3, 0xB5, 0xB8][rng.next() as usize % 8];
                u[p..p + 4].copy_from_slice(&[0, 0, 1, code]);
            }
        }
        let _ = d.decode(&u);
    }
}
