// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsentRegistry} from "../../src/interfaces/IConsentRegistry.sol";
import {IDeviceOwnership} from "../../src/interfaces/IDeviceOwnership.sol";

/// @notice A consent registry good enough for the FeedMarket tests, until the real ConsentRegistry
/// (another branch) is merged. It keeps the rules the market relies on:
/// - grant agents: setGrantAgent / isGrantAgent; grantConsentFor reverts NotGrantAgent otherwise;
/// - at every grant the owner must own each device now (NotDeviceOwner), the window must be valid
///   (InvalidWindow), there must be devices and a purpose, and a non-zero policy must be known;
/// - consents keyed by ownership epoch; revocation by the owner; isLive / checkConsent.
/// It also stands in for the device ownership token (IDeviceOwnership), so that the market's
/// offer-time ownership check and the registry's grant-time check see the same owners:
/// `transferDevice` is "the device changed hands" (a new epoch). Every grant is recorded.
contract MockConsentRegistryForFeeds is IConsentRegistry, IDeviceOwnership {
    struct DeviceRecord {
        address owner;
        uint64 epoch;
    }

    mapping(address device => DeviceRecord) internal _devices;
    mapping(address owner => mapping(address agent => bool)) internal _agents;
    mapping(bytes32 policyId => bool) public policyKnown;

    Consent[] internal _consents; // id = index + 1
    mapping(uint256 consentId => address[]) internal _consentDevices;
    mapping(uint256 consentId => uint64[]) internal _consentEpochs;
    mapping(uint256 consentId => string) public purposeOf;
    mapping(address owner => uint256[]) internal _given;
    mapping(address recipient => uint256[]) internal _received;

    /// @notice How many grantConsentFor calls succeeded, and the last caller of one.
    uint256 public grantForCalls;
    address public lastAgent;

    // ------------------------------------------------------------------ test controls

    function mintDevice(address device, address owner) external {
        _devices[device] = DeviceRecord(owner, 1);
    }

    /// @notice The device changed hands: a new owner and ownership epoch.
    function transferDevice(address device, address to) external {
        DeviceRecord storage d = _devices[device];
        d.owner = to;
        ++d.epoch;
    }

    function addPolicy(bytes32 policyId) external {
        policyKnown[policyId] = true;
    }

    // ------------------------------------------------------------------ IDeviceOwnership

    function ownerOfDevice(address device) external view returns (address) {
        return _devices[device].owner;
    }

    function ownershipEpoch(address device) external view returns (uint64) {
        return _devices[device].epoch;
    }

    // ------------------------------------------------------------------ IConsentRegistry

    function grantConsent(ConsentTerms calldata terms, string calldata purpose) external returns (uint256) {
        return _grant(msg.sender, msg.sender, terms, purpose);
    }

    function grantConsentFor(address owner, ConsentTerms calldata terms, string calldata purpose) external returns (uint256 id) {
        if (!_agents[owner][msg.sender]) revert NotGrantAgent(owner, msg.sender);
        id = _grant(owner, msg.sender, terms, purpose);
        ++grantForCalls;
        lastAgent = msg.sender;
    }

    function setGrantAgent(address agent, bool allowed) external {
        _agents[msg.sender][agent] = allowed;
        emit GrantAgentSet(msg.sender, agent, allowed);
    }

    function revokeConsent(uint256 consentId) external {
        Consent storage c = _stored(consentId);
        if (c.owner != msg.sender) revert NotConsentOwner(consentId, msg.sender);
        if (c.revokedAt != 0) revert AlreadyRevoked(consentId);
        c.revokedAt = uint64(block.timestamp);
        emit ConsentRevoked(consentId, c.owner, c.recipient, c.revokedAt);
    }

    function revokeAllConsentsOf(address recipient) external returns (uint256 revoked) {
        uint256[] storage ids = _given[msg.sender];
        for (uint256 i; i < ids.length; ++i) {
            Consent storage c = _consents[ids[i] - 1];
            if (c.recipient == recipient && c.revokedAt == 0) {
                c.revokedAt = uint64(block.timestamp);
                ++revoked;
                emit ConsentRevoked(ids[i], msg.sender, recipient, c.revokedAt);
            }
        }
    }

    function consent(uint256 consentId) external view returns (Consent memory) {
        return _stored(consentId);
    }

    function consentDevices(uint256 consentId) external view returns (address[] memory, uint64[] memory) {
        _stored(consentId);
        return (_consentDevices[consentId], _consentEpochs[consentId]);
    }

    function checkConsent(
        uint256 consentId,
        address device,
        address recipient,
        uint32 streams,
        uint32 commands
    ) public view returns (Refusal) {
        if (consentId == 0 || consentId > _consents.length) return Refusal.UnknownConsent;
        Consent storage c = _consents[consentId - 1];
        if (c.revokedAt != 0) return Refusal.Revoked;
        if (block.timestamp < c.start) return Refusal.NotYetValid;
        if (block.timestamp >= c.expiry) return Refusal.Expired;
        address[] storage ds = _consentDevices[consentId];
        uint256 i;
        while (i < ds.length && ds[i] != device) ++i;
        if (i == ds.length) return Refusal.DeviceNotCovered;
        if (_devices[device].epoch != _consentEpochs[consentId][i]) return Refusal.OwnershipChanged;
        if (c.recipient != recipient) return Refusal.WrongRecipient;
        if (streams & ~c.streams != 0) return Refusal.StreamNotCovered;
        if (commands & ~c.commands != 0) return Refusal.CommandNotCovered;
        return Refusal.None;
    }

    function isLive(uint256 consentId) external view returns (bool) {
        if (consentId == 0 || consentId > _consents.length) return false;
        Consent storage c = _consents[consentId - 1];
        if (c.revokedAt != 0 || block.timestamp < c.start || block.timestamp >= c.expiry) return false;
        address[] storage ds = _consentDevices[consentId];
        for (uint256 i; i < ds.length; ++i) {
            if (_devices[ds[i]].epoch == _consentEpochs[consentId][i]) return true;
        }
        return false;
    }

    function consentsGivenBy(address owner) external view returns (uint256[] memory) {
        return _given[owner];
    }

    function consentsGivenTo(address recipient) external view returns (uint256[] memory) {
        return _received[recipient];
    }

    function consentCount() external view returns (uint256) {
        return _consents.length;
    }

    function isGrantAgent(address owner, address agent) external view returns (bool) {
        return _agents[owner][agent];
    }

    function consentTermsHash(uint256 consentId) external view returns (bytes32) {
        return _stored(consentId).termsHash;
    }

    function knownCommands() external pure returns (uint32) {
        return 0x7f;
    }

    // ------------------------------------------------------------------ internal

    function _stored(uint256 consentId) internal view returns (Consent storage) {
        if (consentId == 0 || consentId > _consents.length) revert UnknownConsent(consentId);
        return _consents[consentId - 1];
    }

    function _grant(
        address owner,
        address grantedBy,
        ConsentTerms calldata terms,
        string calldata purpose
    ) internal returns (uint256 id) {
        uint256 n = terms.devices.length;
        if (n == 0) revert NoDevices();
        if (terms.recipient == address(0) || terms.recipient == owner) revert InvalidRecipient(terms.recipient);
        if (terms.streams == 0 && terms.commands == 0) revert EmptyScope();
        uint64 start = terms.start == 0 ? uint64(block.timestamp) : terms.start;
        if (terms.expiry <= start || terms.expiry <= block.timestamp) revert InvalidWindow(start, terms.expiry);
        if (bytes(purpose).length == 0) revert EmptyPurpose();
        if (terms.policyId != bytes32(0) && !policyKnown[terms.policyId]) revert UnknownPolicy(terms.policyId);
        uint64[] memory epochs = new uint64[](n);
        for (uint256 i; i < n; ++i) {
            DeviceRecord storage d = _devices[terms.devices[i]];
            if (d.owner == address(0)) revert UnknownDevice(terms.devices[i]);
            if (d.owner != owner) revert NotDeviceOwner(terms.devices[i], owner);
            epochs[i] = d.epoch;
        }
        _consents.push(
            Consent({
                owner: owner,
                recipient: terms.recipient,
                grantedBy: grantedBy,
                streams: terms.streams,
                commands: terms.commands,
                start: start,
                expiry: terms.expiry,
                grantedAt: uint64(block.timestamp),
                revokedAt: 0,
                policyId: terms.policyId,
                purposeHash: keccak256(bytes(purpose)),
                termsHash: keccak256(abi.encode(block.chainid, address(this), _consents.length + 1, owner, terms, epochs))
            })
        );
        id = _consents.length;
        _consentDevices[id] = terms.devices;
        _consentEpochs[id] = epochs;
        purposeOf[id] = purpose;
        _given[owner].push(id);
        _received[terms.recipient].push(id);
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
            _consents[id - 1].termsHash
        );
    }
}
