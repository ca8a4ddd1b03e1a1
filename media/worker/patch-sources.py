"""Adapts mediasoup's worker sources to Debian's libraries. Run from the worker directory.

- libsrtp: mediasoup 3.19 calls libsrtp 3's API (separate input and output buffers, size_t
  lengths, srtp_stream_remove); Debian ships libsrtp 2.5 (in place, int lengths,
  srtp_remove_stream). Inline overloads next to `#include <srtp.h>` bridge them, and the two
  libsrtp 3-only error codes leave the error table.
- OpenSSL with kernel TLS (Debian's libssl3): the worker's BIO callback answered 1 to every
  control query, so libssl believed kernel TLS send/receive was on, never allocated its record
  write buffer and crashed writing the ServerHello of the first DTLS handshake. The callback now
  passes the BIO's real answer through for those two queries.
Idempotent: a patched tree is left as it is.
"""
from pathlib import Path

MARK = '/* liveshop: libsrtp2 adapter */'
ADAPTER = MARK + r'''
#include <cstring>

// libsrtp 3's calling convention over libsrtp 2's in-place functions.
inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t /*mki*/)
{
	if (*srtpLen < rtpLen + SRTP_MAX_TRAILER_LEN)
		return srtp_err_status_bad_param;
	if (srtp != rtp)
		std::memmove(srtp, rtp, rtpLen);
	int len                      = static_cast<int>(rtpLen);
	const srtp_err_status_t err  = srtp_protect(ctx, static_cast<void*>(srtp), &len);
	*srtpLen                     = static_cast<size_t>(len);
	return err;
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
	if (rtp != srtp)
		std::memmove(rtp, srtp, srtpLen);
	int len                     = static_cast<int>(srtpLen);
	const srtp_err_status_t err = srtp_unprotect(ctx, static_cast<void*>(rtp), &len);
	*rtpLen                     = static_cast<size_t>(len);
	return err;
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t /*mki*/)
{
	if (*srtcpLen < rtcpLen + SRTP_MAX_TRAILER_LEN + 4 /* the SRTCP index */)
		return srtp_err_status_bad_param;
	if (srtcp != rtcp)
		std::memmove(srtcp, rtcp, rtcpLen);
	int len                     = static_cast<int>(rtcpLen);
	const srtp_err_status_t err = srtp_protect_rtcp(ctx, static_cast<void*>(srtcp), &len);
	*srtcpLen                   = static_cast<size_t>(len);
	return err;
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
	if (rtcp != srtcp)
		std::memmove(rtcp, srtcp, srtcpLen);
	int len                     = static_cast<int>(srtcpLen);
	const srtp_err_status_t err = srtp_unprotect_rtcp(ctx, static_cast<void*>(rtcp), &len);
	*rtcpLen                    = static_cast<size_t>(len);
	return err;
}

inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}
'''


def edit(path: str, old: str, new: str, done: str) -> None:
    file = Path(path)
    text = file.read_text()
    if done in text:
        return
    if old not in text:
        raise SystemExit(f'{path}: expected text not found: {old[:60]!r}')
    file.write_text(text.replace(old, new, 1))


edit('include/RTC/SrtpSession.hpp', '#include <srtp.h>\n', '#include <srtp.h>\n' + ADAPTER, MARK)
for code in ('buffer_small', 'cryptex_err'):
    file = Path('src/DepLibSRTP.cpp')
    lines = [l for l in file.read_text().splitlines(keepends=True) if f'srtp_err_status_{code}' not in l]
    text = ''.join(lines)
    # the table's last entry must not end with a comma before `};`
    text = text.replace('"packet index advanced, reset needed" },\n};', '"packet index advanced, reset needed" }\n};')
    file.write_text(text)
edit(
    'src/RTC/DtlsTransport.cpp',
    '''  int /*argi*/,
  long /*argl*/,
  int ret,
  size_t* /*processed*/)
{
	long resultOfcallback = (operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1;
''',
    '''  int argi,
  long /*argl*/,
  int ret,
  size_t* /*processed*/)
{
	long resultOfcallback = (operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1;

	// liveshop: libssl asks the write BIO whether kernel TLS is on; answering 1 made it skip
	// its record write buffer (a crash in the first handshake). Pass the BIO's answer through.
	if (
	  operationType == (BIO_CB_CTRL | BIO_CB_RETURN) &&
	  (argi == BIO_CTRL_GET_KTLS_SEND || argi == BIO_CTRL_GET_KTLS_RECV))
	{
		resultOfcallback = static_cast<long>(ret);
	}
''',
    'BIO_CTRL_GET_KTLS_SEND',
)
