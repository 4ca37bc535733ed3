//! A private redis-server per test, on a Unix socket in its own temporary directory.
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running redis-server; killed when dropped.
pub struct TestRedis {
    pub url: String,
    directory: PathBuf,
    socket: PathBuf,
    child: Option<Child>,
}

impl TestRedis {
    /// Waits until `stream` has a consumer group (a consumer that starts at the newest
    /// message misses what is published before its group exists).
    pub async fn wait_for_group(&self, stream: &str) {
        let client = redis::Client::open(self.url.as_str())
            .unwrap_or_else(|error| panic!("bad Redis URL {}: {error}", self.url));
        let mut connection = client
            .get_multiplexed_async_connection()
            .await
            .unwrap_or_else(|error| panic!("cannot connect to the test Redis: {error}"));
        let started = std::time::Instant::now();
        loop {
            let groups: redis::RedisResult<redis::Value> = redis::cmd("XINFO")
                .arg("GROUPS")
                .arg(stream)
                .query_async(&mut connection)
                .await;
            if let Ok(redis::Value::Array(groups)) = groups
                && !groups.is_empty()
            {
                return;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "no consumer group on {stream} after 20 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Starts redis-server. Panics with how to install it when it is missing.
    pub async fn start() -> Self {
        let directory =
            std::env::temp_dir().join(format!("quorum-redis-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&directory)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", directory.display()));
        let socket = directory.join("redis.sock");
        let url = format!("redis+unix://{}", socket.display());
        let mut redis = Self {
            url,
            directory,
            socket,
            child: None,
        };
        redis.launch().await;
        redis
    }

    /// Kills the server (as a crash would), keeping its data directory.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(&self.socket);
    }

    /// Starts the server again on the same socket, with the data it had persisted.
    pub async fn restart(&mut self) {
        self.kill();
        self.launch().await;
    }

    async fn launch(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", "0", "--unixsocket"])
            .arg(&self.socket)
            .args([
                "--unixsocketperm",
                "700",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .arg("--dir")
            .arg(&self.directory)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start redis-server ({error}). Run scripts/test.sh, which installs it \
                     (Debian package redis-server)."
                )
            });
        self.child = Some(child);
        let started = Instant::now();
        while !self.socket.exists() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not open {} within 10 s",
                self.socket.display()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}
