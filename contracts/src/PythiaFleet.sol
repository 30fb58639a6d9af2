// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IPythiaFleet, IDeviceRegistry, IBehaviourProfiles, IReadingInspection} from "./interfaces/IPythiaFleet.sol";
import {IDeviceKeys, IDeviceKeyLifecycle} from "./interfaces/IDeviceKeys.sol";
import {ReadingInspection} from "./ReadingInspection.sol";
import {IRelayerTrust} from "./interfaces/IRelayerTrust.sol";

/// @title Pythia fleet: a smart-city device registry, behaviour profiles and reading inspection.
/// @notice The deployable contract. The three concerns are separate abstract contracts combined
/// here because a device's status and its reading state share one storage slot (gas).
/// Roles: DEFAULT_ADMIN_ROLE (the council admin, grants the others), OPERATOR_ROLE,
/// MANUFACTURER_ROLE, RELAYER_ROLE, IDENTITY_ROLE (the DeviceIdentity contract: key rotation and
/// compromised-key revocation), INSPECTOR_ROLE (out-of-band anomaly flags, e.g. the firmware registry).
/// DEFAULT_ADMIN_ROLE is held by the council's TimelockController (docs/operations.md, "Who holds
/// which role") under AccessControlDefaultAdminRules, as in every other contract with roles: a single
/// holder, handed over only in two steps (begin, then accept after the handover delay), never granted.
contract PythiaFleet is ReadingInspection, IPythiaFleet {
    /// @param admin Receives DEFAULT_ADMIN_ROLE and grants the other roles (the council's timelock; not zero).
    /// @param adminDelay Seconds a handover of DEFAULT_ADMIN_ROLE waits (AccessControlDefaultAdminRules).
    /// @param relayerTrust_ The PythiaRegistry: a relayer must also be bound to a trusted Pythia key
    /// (zero: no such check, the role alone decides).
    constructor(
        address admin,
        uint48 adminDelay,
        IRelayerTrust relayerTrust_
    ) AccessControlDefaultAdminRules(adminDelay, admin) ReadingInspection(relayerTrust_) {}

    /// @inheritdoc AccessControlDefaultAdminRules
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return
            interfaceId == type(IPythiaFleet).interfaceId ||
            interfaceId == type(IDeviceRegistry).interfaceId ||
            interfaceId == type(IBehaviourProfiles).interfaceId ||
            interfaceId == type(IReadingInspection).interfaceId ||
            interfaceId == type(IDeviceKeys).interfaceId ||
            interfaceId == type(IDeviceKeyLifecycle).interfaceId ||
            super.supportsInterface(interfaceId);
    }
}
