//! Any bytes read as `mtr --xml` (`--input-format` forcing that reader).
#![no_main]

#[path = "text_checks.rs"]
mod text_checks;

use globetrace::import::InputFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| text_checks::check(data, InputFormat::MtrXml));
