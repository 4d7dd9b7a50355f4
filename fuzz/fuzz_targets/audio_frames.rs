//! Audio framing: the MPEG audio, AC-3/E-AC-3, LOAS/LATM and LPCM header
//! parsers, the framer that cuts PES payloads into frames, and ADTS.
#![no_main]
use fanout::audio::frame::{ac3, eac3_is_dependent, loas, lpcm, mpeg_audio, Framer};
use fanout::codec::adts::{split_frames, AdtsHeader};
use fanout::demux::AudioCodec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let _ = mpeg_audio(data);
    let _ = ac3(data);
    let _ = eac3_is_dependent(data);
    let _ = loas(data);
    if let Ok(h) = lpcm(data) {
        let _ = h.frames(data.len());
    }
    if let Ok(h) = AdtsHeader::parse(data) {
        let _ = h.audio_specific_config();
        let _ = h.samples_per_frame();
    }
    let split = split_frames(data);
    assert!(split.frames.iter().map(|f| f.payload.len()).sum::<usize>() <= data.len());
    let codec = match control % 4 {
        0 => AudioCodec::MpegAudio,
        1 => AudioCodec::Ac3,
        2 => AudioCodec::Eac3,
        _ => AudioCodec::AacLatm,
    };
    let mut framer = Framer::default();
    let piece = 1 + (control as usize / 4) * 61;
    for part in data.chunks(piece) {
        let _ = framer.push(codec, part);
    }
});
