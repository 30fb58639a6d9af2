// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IConsentRegistry, IConsentRevocationHook} from "./interfaces/IConsentRegistry.sol";
import {IDeviceOwnership} from "./interfaces/IDeviceOwnership.sol";
import {IPolicyRegistry} from "./interfaces/IPolicyRegistry.sol";
import {IPythiaFleet} from "./interfaces/IPythiaFleet.sol";

/// @title Consent registry: what a device owner lets a recipient read (data streams) or do (commands).
/// @notice Model (docs/contracts.md, "Consent"):
/// - The owner of one or more devices grants a recipient a consent: streams (bit i = metric i of each
///   device's behaviour profile), commands (bit c = code c of the command catalogue, docs/protocol.md),
///   a purpose, an optional policy version (IPolicyRegistry) and a window [start, expiry).
/// - Each covered device is recorded with its ownership epoch at grant time. A completed ownership
///   transfer moves the epoch on, and the consent stops applying to that device at once.
/// - The owner revokes one consent, or every consent given to a recipient, in pages of at most
///   MAX_REVOKE_PAGE consents (so that one call always fits a block). Revocation is final. An
///   admin-set hook is told after each revocation; it can never block one.
/// - A consent gives access and nothing else: the recipient's bond is at stake only once the
///   recipient has accepted the consent's terms (RecipientTerms, issue #12).
/// - checkConsent says, for one device and one recipient, whether streams and commands are
///   permitted now, and if not the first reason (Refusal). The AccessLog logs only what it permits.
/// @dev Roles: DEFAULT_ADMIN_ROLE (the council's timelock; two-step handover) sets the revocation
/// hook, and nothing else. Consents are the owners'.
contract ConsentRegistry is AccessControlDefaultAdminRules, IConsentRegistry {
    /// @notice Most devices one consent may cover (bounds the gas of a grant and of isLive).
    uint256 public constant MAX_DEVICES = 64;
    /// @notice Longest purpose, in bytes.
    uint256 public constant MAX_PURPOSE_LENGTH = 1024;
    /// @notice Command catalogue (docs/protocol.md, "Command catalogue"): the bit of each code.
    /// 0 report_now, 1 set_interval, 2 calibrate, 3 identify, 4 reboot, 5 set_led.
    uint32 public constant KNOWN_COMMANDS = 0x3f;
    /// @notice Gas given to the revocation hook, per revoked consent. Sized for the deployment's hook,
    /// DeletionRequests, raising its automatic request (which stores no device list: "all the
    /// consent's devices"), every account cold, with a margin; it no longer depends on the number of
    /// devices (it was 2,500,000 when the request copied up to 64 devices).
    uint256 public constant REVOCATION_HOOK_GAS = 400_000;
    /// @notice Most consents one revokeAllConsentsOf call walks (each may call the hook).
    uint256 public constant MAX_REVOKE_PAGE = 32;

    /// @notice The fleet: device profiles (how many streams a device has).
    IPythiaFleet public immutable fleet;
    /// @notice The device ownership token: owners and ownership epochs.
    IDeviceOwnership public immutable ownership;
    /// @notice Published data-use policies a consent may name.
    IPolicyRegistry public immutable policyRegistry;
    /// @notice Told after every revocation (zero = none).
    IConsentRevocationHook public revocationHook;

    /// @notice The admin set (or cleared, with zero) the revocation hook.
    event RevocationHookSet(address indexed hook);
    /// @notice The revocation hook reverted or ran out of gas; the revocation stands.
    event RevocationHookFailed(uint256 indexed consentId, address indexed hook);

    /// @notice The purpose is longer than MAX_PURPOSE_LENGTH bytes.
    error PurposeTooLong(uint256 length, uint256 max);
    /// @notice A grant agent may not be the zero address or the owner itself.
    error InvalidGrantAgent(address agent);
    /// @notice The dependency addresses may not be zero.
    error InvalidDependency();
    /// @notice The revocation hook must be a contract (or zero).
    error InvalidRevocationHook(address hook);
    /// @notice Too little gas was sent to give the revocation hook its allowance: send more.
    error InsufficientGasForHook(uint256 gasLeft, uint256 needed);
    /// @notice A revoke-all page must walk 1 to MAX_REVOKE_PAGE consents.
    error InvalidPageSize(uint256 size, uint256 max);

    /// @dev A covered device and its ownership epoch at grant time, one slot.
    struct CoveredDevice {
        address device;
        uint64 epoch;
    }

    uint256 private _consentCount;
    mapping(uint256 consentId => Consent) private _consents;
    mapping(uint256 consentId => CoveredDevice[]) private _devices;
    /// @dev The grant-time epoch of a covered device (>= 1); 0 = not covered.
    mapping(uint256 consentId => mapping(address device => uint64 epoch)) private _epochAtGrant;
    mapping(address owner => uint256[]) private _given;
    mapping(address recipient => uint256[]) private _received;
    /// @dev Consents of an owner to a recipient since the last revokeAllConsentsOf (which empties it).
    mapping(address owner => mapping(address recipient => uint256[])) private _pending;
    mapping(address owner => mapping(address agent => bool)) private _agents;

    /// @param admin Receives DEFAULT_ADMIN_ROLE (sets the revocation hook): the council's timelock.
    /// @param adminDelay Seconds a handover of DEFAULT_ADMIN_ROLE waits (AccessControlDefaultAdminRules).
    /// @param fleet_ The PythiaFleet (effectiveProfile: a device's metric count).
    /// @param ownership_ The device ownership token (ownerOfDevice, ownershipEpoch).
    /// @param policyRegistry_ The policy registry (policyExists).
    constructor(
        address admin,
        uint48 adminDelay,
        IPythiaFleet fleet_,
        IDeviceOwnership ownership_,
        IPolicyRegistry policyRegistry_
    ) AccessControlDefaultAdminRules(adminDelay, admin) {
        if (
            address(fleet_) == address(0) ||
            address(ownership_) == address(0) ||
            address(policyRegistry_) == address(0)
        ) revert InvalidDependency();
        fleet = fleet_;
        ownership = ownership_;
        policyRegistry = policyRegistry_;
    }

    // ------------------------------------------------------------------ grants

    /// @inheritdoc IConsentRegistry
    function grantConsent(ConsentTerms calldata terms, string calldata purpose) external returns (uint256 consentId) {
        return _grant(msg.sender, terms, purpose);
    }

    /// @inheritdoc IConsentRegistry
    function grantConsentFor(
        address owner,
        ConsentTerms calldata terms,
        string calldata purpose
    ) external returns (uint256 consentId) {
        if (!_agents[owner][msg.sender]) revert NotGrantAgent(owner, msg.sender);
        return _grant(owner, terms, purpose);
    }

    /// @inheritdoc IConsentRegistry
    function setGrantAgent(address agent, bool allowed) external {
        if (agent == address(0) || agent == msg.sender) revert InvalidGrantAgent(agent);
        _agents[msg.sender][agent] = allowed;
        emit GrantAgentSet(msg.sender, agent, allowed);
    }

    // ------------------------------------------------------------------ revocation

    /// @inheritdoc IConsentRegistry
    function revokeConsent(uint256 consentId) external {
        Consent storage c = _consents[consentId];
        if (c.owner == address(0)) revert UnknownConsent(consentId);
        if (c.owner != msg.sender) revert NotConsentOwner(consentId, msg.sender);
        if (c.revokedAt != 0) revert AlreadyRevoked(consentId);
        _revoke(consentId, c);
        _notifyHook(consentId);
    }

    /// @inheritdoc IConsentRegistry
    /// @dev Walks the newest `pageSize` consents of the caller to `recipient` not walked before,
    /// revokes those neither revoked nor expired (including those not started yet) and forgets them:
    /// each call shortens the list, and a later call only walks what is left or granted since.
    function revokeAllConsentsOf(address recipient, uint256 pageSize) external returns (uint256 revoked, uint256 remaining) {
        if (pageSize == 0 || pageSize > MAX_REVOKE_PAGE) revert InvalidPageSize(pageSize, MAX_REVOKE_PAGE);
        uint256[] storage ids = _pending[msg.sender][recipient];
        uint256 n = ids.length;
        uint256 walk = pageSize < n ? pageSize : n;
        uint256[] memory done = new uint256[](walk);
        for (uint256 i; i < walk; ++i) {
            uint256 id = ids[ids.length - 1];
            ids.pop();
            Consent storage c = _consents[id];
            if (c.revokedAt != 0 || c.expiry <= block.timestamp) continue;
            _revoke(id, c);
            done[revoked++] = id;
        }
        remaining = n - walk;
        for (uint256 i; i < revoked; ++i) _notifyHook(done[i]);
    }

    /// @inheritdoc IConsentRegistry
    function pendingRevocations(address owner, address recipient) external view returns (uint256) {
        return _pending[owner][recipient].length;
    }

    /// @notice Sets the contract told after every revocation (zero clears it). DEFAULT_ADMIN_ROLE.
    /// @param hook An IConsentRevocationHook contract, or zero.
    function setRevocationHook(IConsentRevocationHook hook) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(hook) != address(0) && address(hook).code.length == 0) revert InvalidRevocationHook(address(hook));
        revocationHook = hook;
        emit RevocationHookSet(address(hook));
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IConsentRegistry
    function consent(uint256 consentId) external view returns (Consent memory) {
        return _requireConsent(consentId);
    }

    /// @inheritdoc IConsentRegistry
    function consentDevices(
        uint256 consentId
    ) external view returns (address[] memory devices, uint64[] memory epochs) {
        _requireConsent(consentId);
        return _devicesOf(consentId);
    }

    /// @inheritdoc IConsentRegistry
    function checkConsent(
        uint256 consentId,
        address device,
        address recipient,
        uint32 streams,
        uint32 commands
    ) public view returns (Refusal) {
        Consent storage c = _consents[consentId];
        if (c.owner == address(0)) return Refusal.UnknownConsent;
        if (c.revokedAt != 0) return Refusal.Revoked;
        if (recipient != c.recipient) return Refusal.WrongRecipient;
        uint64 epoch = _epochAtGrant[consentId][device];
        if (epoch == 0) return Refusal.DeviceNotCovered;
        if (block.timestamp < c.start) return Refusal.NotYetValid;
        if (block.timestamp >= c.expiry) return Refusal.Expired;
        if (ownership.ownershipEpoch(device) != epoch) return Refusal.OwnershipChanged;
        if (streams & ~c.streams != 0) return Refusal.StreamNotCovered;
        if (commands & ~c.commands != 0) return Refusal.CommandNotCovered;
        return Refusal.None;
    }

    /// @inheritdoc IConsentRegistry
    function isLive(uint256 consentId) external view returns (bool) {
        Consent storage c = _consents[consentId];
        if (c.owner == address(0) || c.revokedAt != 0) return false;
        if (block.timestamp < c.start || block.timestamp >= c.expiry) return false;
        CoveredDevice[] storage covered = _devices[consentId];
        for (uint256 i; i < covered.length; ++i) {
            CoveredDevice memory d = covered[i];
            if (ownership.ownershipEpoch(d.device) == d.epoch) return true;
        }
        return false;
    }

    /// @inheritdoc IConsentRegistry
    function consentsGivenBy(address owner) external view returns (uint256[] memory) {
        return _given[owner];
    }

    /// @inheritdoc IConsentRegistry
    function consentsGivenTo(address recipient) external view returns (uint256[] memory) {
        return _received[recipient];
    }

    /// @inheritdoc IConsentRegistry
    function consentCount() external view returns (uint256) {
        return _consentCount;
    }

    /// @inheritdoc IConsentRegistry
    function isGrantAgent(address owner, address agent) external view returns (bool) {
        return _agents[owner][agent];
    }

    /// @inheritdoc IConsentRegistry
    /// @dev Computed and stored at grant time (so chainid is the grant's chain).
    function consentTermsHash(uint256 consentId) external view returns (bytes32) {
        return _requireConsent(consentId).termsHash;
    }

    /// @inheritdoc IConsentRegistry
    function knownCommands() external pure returns (uint32) {
        return KNOWN_COMMANDS;
    }

    // ------------------------------------------------------------------ internal

    /// @dev Validates the terms (cheap checks first, then one pass over the devices) and stores the consent.
    function _grant(address owner, ConsentTerms calldata terms, string calldata purpose) private returns (uint256 id) {
        uint256 count = terms.devices.length;
        if (count == 0) revert NoDevices();
        if (count > MAX_DEVICES) revert TooManyDevices(count, MAX_DEVICES);
        if (terms.recipient == address(0) || terms.recipient == owner) revert InvalidRecipient(terms.recipient);
        if (terms.streams == 0 && terms.commands == 0) revert EmptyScope();
        if (terms.commands & ~KNOWN_COMMANDS != 0) revert UnknownCommands(terms.commands, KNOWN_COMMANDS);
        uint64 start = terms.start == 0 ? uint64(block.timestamp) : terms.start;
        if (terms.expiry <= start || terms.expiry <= block.timestamp) revert InvalidWindow(terms.start, terms.expiry);
        if (bytes(purpose).length == 0) revert EmptyPurpose();
        if (bytes(purpose).length > MAX_PURPOSE_LENGTH) revert PurposeTooLong(bytes(purpose).length, MAX_PURPOSE_LENGTH);
        if (terms.policyId != bytes32(0) && !policyRegistry.policyExists(terms.policyId)) {
            revert UnknownPolicy(terms.policyId);
        }

        id = ++_consentCount;
        uint64[] memory epochs = new uint64[](count);
        CoveredDevice[] storage covered = _devices[id];
        for (uint256 i; i < count; ++i) {
            address device = terms.devices[i];
            if (_epochAtGrant[id][device] != 0) revert DuplicateDevice(device);
            address deviceOwner = ownership.ownerOfDevice(device);
            if (deviceOwner == address(0)) revert UnknownDevice(device);
            if (deviceOwner != owner) revert NotDeviceOwner(device, owner);
            if (terms.streams != 0) _requireKnownStreams(device, terms.streams);
            uint64 epoch = ownership.ownershipEpoch(device);
            epochs[i] = epoch;
            _epochAtGrant[id][device] = epoch;
            covered.push(CoveredDevice(device, epoch));
        }

        bytes32 purposeHash = keccak256(bytes(purpose));
        bytes32 termsHash = keccak256(
            abi.encode(
                block.chainid,
                address(this),
                id,
                owner,
                terms.recipient,
                terms.devices,
                epochs,
                terms.streams,
                terms.commands,
                terms.policyId,
                purposeHash,
                start,
                terms.expiry
            )
        );
        _consents[id] = Consent({
            owner: owner,
            recipient: terms.recipient,
            grantedBy: msg.sender,
            streams: terms.streams,
            commands: terms.commands,
            start: start,
            expiry: terms.expiry,
            grantedAt: uint64(block.timestamp),
            revokedAt: 0,
            policyId: terms.policyId,
            purposeHash: purposeHash,
            termsHash: termsHash
        });
        _given[owner].push(id);
        _received[terms.recipient].push(id);
        _pending[owner][terms.recipient].push(id);
        emit ConsentGranted(
            id,
            owner,
            terms.recipient,
            terms.devices,
            terms.streams,
            terms.commands,
            terms.policyId,
            start,
            terms.expiry,
            purpose,
            termsHash
        );
    }

    /// @dev Stream bits must lie below the device's profile metric count.
    function _requireKnownStreams(address device, uint32 streams) private view {
        (IPythiaFleet.Profile memory profile, , ) = fleet.effectiveProfile(device);
        uint32 known = uint32((uint256(1) << profile.metricCount) - 1);
        if (streams & ~known != 0) revert UnknownStreams(device, streams, known);
    }

    function _revoke(uint256 consentId, Consent storage c) private {
        uint64 now_ = uint64(block.timestamp);
        c.revokedAt = now_;
        emit ConsentRevoked(consentId, c.owner, c.recipient, now_);
    }

    /// @dev Tells the hook, with a fixed gas allowance; a revert or out-of-gas there is only an event.
    /// The caller must leave enough gas for the allowance, so that no one can starve the hook on purpose.
    function _notifyHook(uint256 consentId) private {
        IConsentRevocationHook hook = revocationHook;
        if (address(hook) == address(0)) return;
        uint256 needed = REVOCATION_HOOK_GAS + REVOCATION_HOOK_GAS / 63 + 10_000;
        if (gasleft() < needed) revert InsufficientGasForHook(gasleft(), needed);
        if (address(hook).code.length == 0) {
            emit RevocationHookFailed(consentId, address(hook));
            return;
        }
        try hook.onConsentRevoked{gas: REVOCATION_HOOK_GAS}(consentId) {} catch {
            emit RevocationHookFailed(consentId, address(hook));
        }
    }

    function _requireConsent(uint256 consentId) private view returns (Consent storage c) {
        c = _consents[consentId];
        if (c.owner == address(0)) revert UnknownConsent(consentId);
    }

    function _devicesOf(uint256 consentId) private view returns (address[] memory devices, uint64[] memory epochs) {
        CoveredDevice[] storage covered = _devices[consentId];
        uint256 n = covered.length;
        devices = new address[](n);
        epochs = new uint64[](n);
        for (uint256 i; i < n; ++i) {
            CoveredDevice memory d = covered[i];
            devices[i] = d.device;
            epochs[i] = d.epoch;
        }
    }
}
