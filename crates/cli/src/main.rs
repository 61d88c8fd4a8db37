//! The `venuecode` command (commands arrive with issue 5).
#![forbid(unsafe_code)]

fn main() {
    eprintln!("venuecode: commands are not implemented yet");
    std::process::exit(2);
}
