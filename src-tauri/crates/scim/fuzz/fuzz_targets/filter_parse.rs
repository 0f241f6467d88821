//! The filter parser never panics, and whatever it accepts prints back to the same filter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_client::filter::parse;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(f) = parse(s) {
            let printed = f.to_string();
            assert_eq!(parse(&printed).as_ref(), Ok(&f), "round trip of {printed:?}");
        }
    }
});
