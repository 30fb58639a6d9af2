export { AttestationError, type AttestationErrorCode } from './errors.js';
export {
  parseQuote,
  type ParsedQuote,
  type SgxReportBody,
  type TdxReportBody,
  type QuoteHeader,
  type QuoteSignatureData,
} from './parseQuote.js';
export { verifyQuote, type VerifyQuoteParameters, type VerifyQuoteReturnType } from './verifyQuote.js';
export { parseCollateral, type QuoteCollateral } from './signedCollateral.js';
export { parsePckExtension, type PckExtension } from './pckExtension.js';
export { INTEL_SGX_ROOT_CA_SHA256 } from './certificateChain.js';
export { intelSgxRootCaDer } from './intelSgxRootCa.js';
export { convergeTcbStatus, tcbStatuses, type TcbStatus } from './tcbStatus.js';
export { bindingOfReportData, expectedReportData, reportDataBindsKey, REPORT_DATA_DOMAIN } from './reportData.js';
