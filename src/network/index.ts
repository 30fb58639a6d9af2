export {
  findGeth,
  cachedGethPath,
  gethToolsDir,
  gethVersionOf,
  GethNotFoundError,
  GETH_VERSION,
  GETH_ENV,
  TOOLS_DIR_ENV,
  type GethBinary,
} from './findGeth.js';
export { createIpcClient, ipcRequest, IpcConnectionError, IpcRpcError, type IpcClient } from './ipcClient.js';
export { cliqueGenesis, cliqueExtraData, cliqueSignersOfExtraData, CLIQUE_EPOCH, type CliqueGenesis } from './cliqueGenesis.js';
export {
  findNode,
  parseNetworkConfig,
  parseNodeConfig,
  readNetworkConfig,
  readNodeConfig,
  NetworkConfigError,
  NETWORK_FILE,
  NODE_FILE,
  type NetworkConfig,
  type NetworkNode,
  type NodeConfig,
  type NodeRole,
} from './networkConfig.js';
export { nodePaths, type NodePaths } from './nodePaths.js';
export { gethArguments, HTTP_APIS, HTTP_VHOSTS } from './gethArguments.js';
export {
  checkNewNetworkDir,
  initNetwork,
  NetworkInitError,
  DEFAULT_BASE_PORT,
  DEFAULT_GAS_LIMIT,
  DEFAULT_PERIOD,
  type InitNetworkParameters,
} from './initNetwork.js';
export { addNetworkNode, AddNodeError, type AddNetworkNodeParameters } from './addNetworkNode.js';
export { startNode, NodePortInUseError, NodeStartError, type StartNodeParameters, type StartNodeReturnType } from './startNode.js';
export { stopNode, type StopNodeParameters, type StopNodeReturnType } from './stopNode.js';
export { readNodeProcess, waitForNodeEnd, type NodeProcess } from './nodeProcess.js';
export { startNetwork, StartNetworkError, type StartNetworkParameters } from './startNetwork.js';
export { stopNetwork, type StopNetworkParameters } from './stopNetwork.js';
export { waitForNetworkReady, NetworkNotReadyError, type WaitForNetworkReadyReturnType } from './waitForNetworkReady.js';
export { readNodeStatus, type NodeStatus, type SignerVote } from './readNodeStatus.js';
export { readNetworkStatus, signersNeeded, type NetworkStatus } from './readNetworkStatus.js';
export { proposeSigner, ProposeError, type ProposeSignerParameters } from './proposeSigner.js';
export { networkRpcUrls, nodeRpcEndpoint } from './networkRpcUrls.js';
export {
  findOrphanNodes,
  initSingleNodeChain,
  isNetworkFolder,
  startSingleNodeChain,
  SINGLE_NODE_PERIOD,
  type InitSingleNodeChainParameters,
  type SingleNodeChain,
  type StartSingleNodeChainParameters,
} from './singleNodeChain.js';
export {
  healNetworkFork,
  keptBranch,
  HealNetworkForkError,
  type BranchHead,
  type HealNetworkForkParameters,
  type HealNetworkForkReturnType,
} from './healNetworkFork.js';
export { watchNetworkForks, type WatchNetworkForksParameters } from './watchNetworkForks.js';
