//! `venuecode-server`: the server on its own, for deployments that do not want the whole
//! `venuecode` CLI. Flags and environment variables are those of [`venuecode_server::Config`].
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

/// Runs the Venuecode HTTP server until SIGTERM or Ctrl-C.
#[derive(Parser)]
#[command(name = "venuecode-server", version, about)]
struct Cli {
    #[command(flatten)]
    config: venuecode_server::Config,

    /// Write logs as JSON lines instead of text.
    #[arg(long, env = "VENUECODE_LOG_JSON", default_value_t = false)]
    log_json: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cli.log_json {
        logs.json().init();
    } else {
        logs.init();
    }
    match venuecode_server::serve(cli.config, venuecode_server::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("venuecode-server: {e}");
            ExitCode::FAILURE
        }
    }
}
