//! `venuecode server`: run the server.

use anyhow::Result;
use clap::Args;

use super::runtime;

/// Examples after `venuecode server --help`.
pub(crate) const SERVER_HELP: &str = "\
Examples:
  venuecode server --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub \\
      --trust-bundle trust-bundle.bin   # served at /v1/trust-bundle for rotation
  # The visitor web app at the code base path (scripts/build-web.sh writes web/dist):
  venuecode server --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub \\
      --trust-bundle trust-bundle.bin --web-app web/dist --web-app-path /c
  # HTTPS on its own (PEM files; the key as PKCS#8, SEC1 or RSA):
  venuecode server --listen 0.0.0.0:443 --tls-cert fullchain.pem --tls-key key.pem \\
      --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub
  # Metrics for Prometheus on a loopback port of their own (never on the public one):
  venuecode server --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub \\
      --metrics-listen 127.0.0.1:9464
Without --tls-cert/--tls-key the server speaks plain HTTP: keep it on 127.0.0.1 behind a reverse
proxy that terminates TLS (see README.md, \"TLS\"); every connection then comes from the proxy, so
give --max-connections-per-ip the value of --max-connections.";

#[derive(Args, Debug)]
pub(crate) struct ServerArgs {
    #[command(flatten)]
    config: venuecode_server::Config,
}

pub(crate) fn run_server(args: ServerArgs) -> Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    runtime()?.block_on(async move {
        let server = venuecode_server::Server::bind(args.config).await?;
        let addr = server.local_addr()?;
        // Harnesses read the URL from this line: the first word starting with http(s)://.
        let url = format!("{}://{addr}", server.scheme());
        println!("{}", crate::t!("serve-listening", url = url));
        // After the listening line, which harnesses take for the first line with a URL.
        if let Some(metrics) = server.metrics_addr()? {
            let url = format!("http://{metrics}/metrics");
            println!("{}", crate::t!("serve-metrics", url = url));
        }
        server.run(venuecode_server::shutdown_signal()).await?;
        Ok::<(), anyhow::Error>(())
    })
}
