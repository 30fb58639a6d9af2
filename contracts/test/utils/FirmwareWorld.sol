// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IPythiaFleetTypes} from "../../src/interfaces/IPythiaFleet.sol";

/// @notice Test doubles of the contracts FirmwareRegistry depends on. They implement exactly the
/// functions the registry calls (and setters for tests) and deliberately do NOT inherit the
/// interfaces, which will grow. FirmwareBase is the only place that deploys or drives them, so
/// swapping them for the real PythiaFleet, ownership token and identity contract is a one-place change.

/// @notice A fleet that is real enough for the firmware registry: devices with a status, a class and
/// a current signer; flagDevice restricted to one inspector (INSPECTOR_ROLE), refused for unknown
/// devices (as the fleet refuses UnknownDevice), and recorded.
contract FleetDouble {
    struct DeviceModel {
        IPythiaFleetTypes.DeviceStatus status;
        uint16 classId;
        address signer;
    }

    struct FlagCall {
        address device;
        uint8 reasons;
        bytes32 evidence;
    }

    error NotInspector(address account);
    error UnknownDevice(address device);

    address public inspector;
    mapping(address device => DeviceModel) public devices;
    FlagCall[] internal _flagCalls;
    mapping(address device => uint256) public flagsOf;

    function setInspector(address account) external {
        inspector = account;
    }

    function setDevice(address device, IPythiaFleetTypes.DeviceStatus status, uint16 classId, address signer) external {
        devices[device] = DeviceModel(status, classId, signer);
    }

    function setStatus(address device, IPythiaFleetTypes.DeviceStatus status) external {
        devices[device].status = status;
    }

    function setSigner(address device, address signer) external {
        devices[device].signer = signer;
    }

    // ------------------------------------------------ what FirmwareRegistry calls

    function deviceStatus(address device) external view returns (IPythiaFleetTypes.DeviceStatus) {
        return devices[device].status;
    }

    function getDevice(address device) external view returns (IPythiaFleetTypes.DeviceView memory v) {
        DeviceModel storage d = devices[device];
        v.status = d.status;
        if (d.status == IPythiaFleetTypes.DeviceStatus.None) return v;
        v.classId = d.classId;
    }

    function deviceSigner(address device) external view returns (address) {
        DeviceModel storage d = devices[device];
        return d.status == IPythiaFleetTypes.DeviceStatus.None ? address(0) : d.signer;
    }

    function flagDevice(address device, uint8 reasons, bytes32 evidence) external {
        if (msg.sender != inspector) revert NotInspector(msg.sender);
        if (devices[device].status == IPythiaFleetTypes.DeviceStatus.None) revert UnknownDevice(device);
        _flagCalls.push(FlagCall(device, reasons, evidence));
        ++flagsOf[device];
    }

    // ------------------------------------------------ inspection

    function flagCount() external view returns (uint256) {
        return _flagCalls.length;
    }

    function flagCall(uint256 i) external view returns (address device, uint8 reasons, bytes32 evidence) {
        FlagCall storage f = _flagCalls[i];
        return (f.device, f.reasons, f.evidence);
    }
}

/// @notice Ownership token double: an owner and an epoch per device (1 at mint, +1 per transfer).
contract OwnershipDouble {
    mapping(address device => address) public ownerOfDevice;
    mapping(address device => uint64) public ownershipEpoch;

    function mint(address device, address owner) external {
        require(ownershipEpoch[device] == 0, "minted");
        ownerOfDevice[device] = owner;
        ownershipEpoch[device] = 1;
    }

    function transfer(address device, address to) external {
        require(ownershipEpoch[device] != 0, "no token");
        ownerOfDevice[device] = to;
        ++ownershipEpoch[device];
    }
}

/// @notice Identity double: the manufacturer of each device class.
contract IdentityDouble {
    mapping(uint16 classId => address) public classManufacturer;

    function setClassManufacturer(uint16 classId, address manufacturer) external {
        classManufacturer[classId] = manufacturer;
    }
}
