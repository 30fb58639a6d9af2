// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IPythiaFleet, IDeviceRegistry, IBehaviourProfiles, IReadingInspection} from "./interfaces/IPythiaFleet.sol";
import {IDeviceKeys, IDeviceKeyLifecycle} from "./interfaces/IDeviceKeys.sol";
import {ReadingInspection} from "./ReadingInspection.sol";

/// @title Pythia fleet: a smart-city device registry, behaviour profiles and reading inspection.
/// @notice The deployable contract. The three concerns are separate abstract contracts combined
/// here because a device's status and its reading state share one storage slot (gas).
/// Roles: DEFAULT_ADMIN_ROLE (the council admin, grants the others), OPERATOR_ROLE,
/// MANUFACTURER_ROLE, RELAYER_ROLE, IDENTITY_ROLE (the DeviceIdentity contract: key rotation and
/// compromised-key revocation), INSPECTOR_ROLE (out-of-band anomaly flags, e.g. the firmware registry).
contract PythiaFleet is ReadingInspection, IPythiaFleet {
    /// @notice The admin may not be the zero address.
    error InvalidAdmin();

    /// @param admin The council admin: receives DEFAULT_ADMIN_ROLE and grants the other roles.
    constructor(address admin) {
        if (admin == address(0)) revert InvalidAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc AccessControl
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
