//! The access-unit splitters and parameter-set parsers of every video
//! codec (H.264, HEVC, MPEG-1/2), fed arbitrary elementary streams in
//! arbitrary PES-sized pieces.
#![no_main]
use fanout::codec::{parser_for, PesMeta, VideoCodecId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let codec = match control % 3 {
        0 => VideoCodecId::H264,
        1 => VideoCodecId::Hevc,
        _ => VideoCodecId::Mpeg2,
    };
    // Piece sizes from 1 byte up; 184 (one TS packet's payload) for the
    // seeds' control bytes 3..=5.
    let piece = 1 + (control as usize / 3) * 183;
    let mut parser = parser_for(codec).expect("a parser for every decoded codec");
    let mut version = None;
    for (i, part) in data.chunks(piece).enumerate() {
        let meta = PesMeta {
            pts: Some(i as i64 * 3003),
            dts: None,
            offset: (i * piece) as u64,
            damaged: i % 7 == 3,
        };
        parser.push(part, meta);
        while parser.next_unit().is_some() {}
        // As the analyzer does: the parameter sets are copied only when
        // they changed, the format checked once per unit.
        let _ = parser.format();
        if version != Some(parser.parameter_sets_version()) {
            version = Some(parser.parameter_sets_version());
            let _ = parser.parameter_sets();
        }
        let _ = parser.take_problems();
    }
    parser.finish();
    while parser.next_unit().is_some() {}
    let _ = parser.format();
});
