//! Every audio decoder path (MPEG-1/2 layers I–III, AC-3/E-AC-3, AAC in
//! LATM, LPCM) on arbitrary frames: a damaged frame is an error (concealed
//! as silence by the caller), never a panic.
#![no_main]
use fanout::audio::decode::Decoder;
use fanout::demux::AudioCodec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let codec = match control % 5 {
        0 => AudioCodec::MpegAudio,
        1 => AudioCodec::Ac3,
        2 => AudioCodec::Eac3,
        3 => AudioCodec::AacLatm,
        _ => AudioCodec::Lpcm,
    };
    let channels = 1 + u16::from(control / 5 % 6);
    let Ok(mut decoder) = Decoder::new(codec, channels) else {
        return;
    };
    // Several frames in a row: decoders keep state between them.
    let piece = 1 + (control as usize / 30) * 97;
    for frame in data.chunks(piece) {
        let _ = decoder.decode(frame);
    }
});
