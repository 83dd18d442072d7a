// Docker HEALTHCHECK for every app in the image: healthy means GET /health/ready answers 200.
// auth and resource listen on PORT, the gateway on GATEWAY_PORT (compose sets PORT only for those).
const port = Number(process.env.PORT) || Number(process.env.GATEWAY_PORT) || 8080;
try {
  const response = await fetch(`http://127.0.0.1:${port}/health/ready`, {
    signal: AbortSignal.timeout(2000),
  });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
