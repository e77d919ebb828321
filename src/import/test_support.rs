//! What the readers' tests share: a fixture of `tests/fixtures/many` and every item a stream
//! reads from it.

use super::stream::{Item, Record, Stream};
use super::{ImportWarning, InputFormat};

/// The bytes of `tests/fixtures/many/<name>`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/many/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every item of `bytes` read as `format`: the traces and the warnings.
pub fn read(bytes: Vec<u8>, format: InputFormat) -> (Vec<Record>, Vec<ImportWarning>) {
    let (mut traces, mut warnings) = (Vec::new(), Vec::new());
    for item in Stream::new(Box::new(std::io::Cursor::new(bytes)), format) {
        match item.unwrap() {
            Item::Trace(r) => traces.push(*r),
            Item::Warning(w) => warnings.push(w),
        }
    }
    (traces, warnings)
}
