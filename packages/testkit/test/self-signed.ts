// A self-signed certificate for 127.0.0.1 (EC P-256, valid 100 years), made with:
// openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
//   -addext subjectAltName=IP:127.0.0.1 -days 36500. Test-only: it secures nothing.
export const SELF_SIGNED_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgD5qrk3J/uiBFJBjF
0maBj/pcLDsNaNtTVmbNJYzBjIShRANCAARpMMQk7vFu+qjRJslFHGEni3JK6qMi
95tFTqkvvYmFCbjHx1iYwCEodvr1wjvBnEji5L+AGZvrHE0vyTs82AVU
-----END PRIVATE KEY-----`;
export const SELF_SIGNED_CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUda9Hck7LisjtuF57R2MpWM2jnRgwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNTAyMjY1MloYDzIxMjYxMTAx
MDIyNjUyWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARpMMQk7vFu+qjRJslFHGEni3JK6qMi95tFTqkvvYmFCbjHx1iYwCEo
dvr1wjvBnEji5L+AGZvrHE0vyTs82AVUo2QwYjAdBgNVHQ4EFgQUAzVDwtwK6TJ4
37Jc+sohrW8X6bIwHwYDVR0jBBgwFoAUAzVDwtwK6TJ437Jc+sohrW8X6bIwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IQDqPMBlu5FPQbZNdQgaIulwYEmkH5j0UtPZRLobupnV8gIgX97p3aVHnnJuGt0L
bOrq6IEjDnnkwbW8AmvModCnlTI=
-----END CERTIFICATE-----`;
