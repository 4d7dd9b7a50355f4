//! Inputs the fuzz targets (fuzz/) crashed on, kept in
//! tests/fixtures/fuzz/<target>/ and replayed here the way their target
//! feeds them, each asserting the named error or problem that replaced the
//! crash (scripts/test-fuzz replays them under libFuzzer too).

use fanout::codec::{parser_for, PesMeta, VideoCodecId};

fn fixture(target: &str, name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/fuzz/{target}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The `video_parsers` target's feeding: a control byte picks the codec
/// and the piece size, the rest is the elementary stream. Returns the
/// problems the parser reported and its format errors.
fn parse_video(data: &[u8]) -> Vec<String> {
    let (&control, data) = data.split_first().expect("a control byte");
    let codec =
        [VideoCodecId::H264, VideoCodecId::Hevc, VideoCodecId::Mpeg2][usize::from(control % 3)];
    let piece = 1 + (control as usize / 3) * 183;
    let mut parser = parser_for(codec).expect("a parser");
    let mut problems = Vec::new();
    for (i, part) in data.chunks(piece).enumerate() {
        let meta = PesMeta {
            pts: Some(i as i64 * 3003),
            dts: None,
            offset: (i * piece) as u64,
            damaged: i % 7 == 3,
        };
        parser.push(part, meta);
        while parser.next_unit().is_some() {}
        if let Some(Err(e)) = parser.format() {
            problems.push(e.to_string());
        }
        problems.extend(parser.take_problems());
    }
    parser.finish();
    while parser.next_unit().is_some() {}
    problems.extend(parser.take_problems());
    problems
}

/// An SPS whose `pic_height_in_map_units` times two overflowed 32 bits
/// (a panic with overflow checks, a wrapped, plausible height without):
/// now a bad SPS, named.
#[test]
fn sps_height_overflow_is_a_bad_sps() {
    let problems = parse_video(&fixture("video_parsers", "sps-height-overflow"));
    assert!(
        problems.iter().any(|p| p.contains("SPS height overflow")),
        "{problems:?}"
    );
}

/// An SPS whose frame cropping offsets overflowed when added: now a bad
/// SPS, named.
#[test]
fn sps_crop_overflow_is_a_bad_sps() {
    let problems = parse_video(&fixture("video_parsers", "sps-crop-overflow"));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("SPS cropping larger than the picture")),
        "{problems:?}"
    );
}

/// An SPS whose bit depth (8 + a 32-bit exp-Golomb value) overflowed: now
/// read to its end and reported as a bad SPS.
#[test]
fn sps_bit_depth_overflow_is_a_bad_sps() {
    let problems = parse_video(&fixture("video_parsers", "sps-bit-depth-overflow"));
    assert!(
        problems.iter().any(|p| p.starts_with("bad SPS")),
        "{problems:?}"
    );
}
