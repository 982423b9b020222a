//! A minimal HTTP/1.1 client on one keep-alive connection, for the load benchmarks: the server
//! answers with a Content-Length, and the client costs little of the two cores the server also
//! needs (a full client library would spend more of them than the server's own handlers).

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct Client {
    reader: BufReader<TcpStream>,
    /// The header line that says who is calling.
    who: String,
    line: String,
    body: Vec<u8>,
}

impl Client {
    /// A connection calling the API with a bearer token.
    pub async fn bearer(addr: std::net::SocketAddr, token: &str) -> anyhow::Result<Client> {
        Client::connect(addr, format!("Authorization: Bearer {token}")).await
    }

    /// A connection calling the pages with a session cookie.
    pub async fn session(addr: std::net::SocketAddr, token: &str) -> anyhow::Result<Client> {
        Client::connect(addr, format!("Cookie: {}={token}", jinguo_web::SESSION_COOKIE)).await
    }

    async fn connect(addr: std::net::SocketAddr, who: String) -> anyhow::Result<Client> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Client { reader: BufReader::new(stream), who, line: String::new(), body: Vec::new() })
    }

    /// Posts JSON; returns the status (the body is read and dropped).
    pub async fn post(&mut self, path: &str, body: &str) -> anyhow::Result<u16> {
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.who,
            body.len()
        );
        self.reader.get_mut().write_all(req.as_bytes()).await?;
        self.answer().await
    }

    /// Gets a page; returns the status and the body's length in bytes.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<(u16, usize)> {
        let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{}\r\n\r\n", self.who);
        self.reader.get_mut().write_all(req.as_bytes()).await?;
        let status = self.answer().await?;
        Ok((status, self.body.len()))
    }

    async fn answer(&mut self) -> anyhow::Result<u16> {
        self.line.clear();
        self.reader.read_line(&mut self.line).await?;
        let status: u16 = self.line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("无效的 HTTP 应答")?;
        let mut length = 0usize;
        loop {
            self.line.clear();
            self.reader.read_line(&mut self.line).await?;
            let l = self.line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        self.body.resize(length, 0);
        self.reader.read_exact(&mut self.body).await?;
        Ok(status)
    }
}
