//! The wire format between the coordinator and the chunk workers (and the
//! checkpoint files): decoding arbitrary bytes never panics, and whatever
//! decodes encodes back to bytes that decode to the same thing.
#![no_main]
use fanout::wire;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(chunk) = wire::chunk_from_bytes(data) {
        let again = wire::chunk_to_bytes(&chunk);
        let back = wire::chunk_from_bytes(&again).expect("re-encoded chunk decodes");
        assert_eq!(wire::chunk_to_bytes(&back), again);
    }
    if let Ok(encoded) = wire::encoded_from_bytes(data) {
        let again = wire::encoded_to_bytes(&encoded);
        let back = wire::encoded_from_bytes(&again).expect("re-encoded result decodes");
        assert_eq!(wire::encoded_to_bytes(&back), again);
    }
});
