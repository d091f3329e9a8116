//! Reading a confined worker's memory from the host: through the worker's `/proc/self/mem`
//! descriptor, which the worker opened before it confined itself (access is checked at open,
//! so this works for an unprivileged host and a non-dumpable worker, where `process_vm_readv`
//! would not). What is read is the worker's to rewrite at any moment: callers copy once and
//! decide on their copy.

use std::os::fd::OwnedFd;

/// Reads up to `len` bytes at `address` of the worker, through its `/proc/<pid>/mem`.
pub(crate) fn read_memory(memory: &OwnedFd, address: u64, len: usize) -> Option<Vec<u8>> {
    let mut buffer = vec![0u8; len];
    let read = rustix::io::pread(memory, &mut buffer, address).ok()?;
    buffer.truncate(read);
    Some(buffer)
}

/// Reads a C string of at most `max` bytes at `address` of the worker: the bytes before the
/// NUL, and whether a NUL was found (false when the string is longer or runs into unmapped
/// memory). `None` for a null or unreadable address.
pub(crate) fn read_c_string(memory: &OwnedFd, address: u64, max: usize) -> Option<(Vec<u8>, bool)> {
    if address == 0 {
        return None;
    }
    let mut bytes = Vec::new();
    // Page by page, so that a string ending just before an unmapped page is still read.
    let mut at = address;
    while bytes.len() < max {
        let to_page_end = 4096 - usize::try_from(at % 4096).ok()?;
        let chunk = read_memory(memory, at, to_page_end)?;
        if chunk.is_empty() {
            break;
        }
        if let Some(end) = chunk.iter().position(|byte| *byte == 0) {
            bytes.extend_from_slice(&chunk[..end]);
            let terminated = bytes.len() < max;
            bytes.truncate(max);
            return Some((bytes, terminated));
        }
        bytes.extend_from_slice(&chunk);
        at = at.checked_add(u64::try_from(chunk.len()).ok()?)?;
    }
    bytes.truncate(max);
    Some((bytes, false))
}
