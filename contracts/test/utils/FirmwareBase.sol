// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {FleetDouble, OwnershipDouble, IdentityDouble} from "./FirmwareWorld.sol";
import {FirmwareRegistry} from "../../src/FirmwareRegistry.sol";
import {IFirmwareRegistryTypes} from "../../src/interfaces/IFirmwareRegistry.sol";
import {IDeviceOwnership} from "../../src/interfaces/IDeviceOwnership.sol";
import {IDeviceIdentity} from "../../src/interfaces/IDeviceIdentity.sol";
import {IPythiaFleetTypes} from "../../src/interfaces/IPythiaFleet.sol";

/// @notice The one fixture of the firmware tests. Everything that touches the fleet, ownership and
/// identity contracts goes through the "world" functions below; to run the suite against the real
/// contracts, change only this section (deployWorld and the world actions).
/// Also: release keys, an independent EIP-712 implementation and signing helpers.
abstract contract FirmwareBase is Test, IFirmwareRegistryTypes {
    FirmwareRegistry internal registry;
    FleetDouble internal fleetDouble;
    OwnershipDouble internal ownershipDouble;
    IdentityDouble internal identityDouble;

    address internal manufacturer = address(0x0456);
    address internal otherManufacturer = address(0x0457);
    address internal alice = address(0xA1);
    address internal bob = address(0xB0B);
    address internal stranger = address(0xBAD);

    uint16 internal constant AIR = 1;
    uint16 internal constant PARKING = 2;
    uint256 internal constant T0 = 1_750_000_000;

    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant MANIFEST_TYPEHASH_ =
        keccak256(
            "FirmwareManifest(uint16 classId,uint64 sequence,bytes32 digest,uint64 size,string location,uint64 issuedAt)"
        );
    bytes32 internal constant ROTATION_TYPEHASH_ =
        keccak256("ReleaseKeyRotation(uint16 classId,uint64 version,address[] keys,uint8 threshold)");
    bytes32 internal constant REPORT_TYPEHASH_ =
        keccak256("FirmwareReport(address device,uint64 sequence,bytes32 digest,uint64 nonce)");
    uint256 internal constant SECP256K1_N =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    /// @dev AIR: release keys relKey(0..2), 2-of-3. PARKING: relKey(10..11), 2-of-2.
    uint256[] internal airKeys;
    uint256[] internal parkingKeys;

    function setUp() public virtual {
        vm.warp(T0);
        deployWorld();
        assignClass(AIR, manufacturer);
        assignClass(PARKING, otherManufacturer);
        airKeys = keyList(0, 3);
        parkingKeys = keyList(10, 2);
        vm.prank(manufacturer);
        registry.setInitialReleaseKeys(AIR, addrs(airKeys), 2);
        vm.prank(otherManufacturer);
        registry.setInitialReleaseKeys(PARKING, addrs(parkingKeys), 2);
    }

    // ================================================================ world (the one place to swap)

    function deployWorld() internal {
        fleetDouble = new FleetDouble();
        ownershipDouble = new OwnershipDouble();
        identityDouble = new IdentityDouble();
        registry = new FirmwareRegistry(
            address(fleetDouble),
            IDeviceOwnership(address(ownershipDouble)),
            IDeviceIdentity(address(identityDouble))
        );
        fleetDouble.setInspector(address(registry)); // the fleet grants INSPECTOR_ROLE
    }

    function assignClass(uint16 classId, address account) internal {
        identityDouble.setClassManufacturer(classId, account);
    }

    /// @dev A registered, active device of `classId` whose key is `privateKey`, its token minted to `owner`.
    function addDevice(uint256 privateKey, uint16 classId, address owner) internal returns (address device) {
        device = vm.addr(privateKey);
        fleetDouble.setDevice(device, IPythiaFleetTypes.DeviceStatus.Active, classId, device);
        ownershipDouble.mint(device, owner);
    }

    function transferDevice(address device, address to) internal {
        ownershipDouble.transfer(device, to);
    }

    function setDeviceStatus(address device, IPythiaFleetTypes.DeviceStatus status) internal {
        fleetDouble.setStatus(device, status);
    }

    function rotateDeviceKey(address device, uint256 newPrivateKey) internal {
        fleetDouble.setSigner(device, vm.addr(newPrivateKey));
    }

    /// @dev Simulates the fleet no longer granting INSPECTOR_ROLE to the registry.
    function revokeInspector() internal {
        fleetDouble.setInspector(address(0));
    }

    function flagCount() internal view returns (uint256) {
        return fleetDouble.flagCount();
    }

    function lastFlag() internal view returns (address device, uint8 reasons, bytes32 evidence) {
        return fleetDouble.flagCall(fleetDouble.flagCount() - 1);
    }

    // ================================================================ keys

    function relKey(uint256 i) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("pythia release key", i))) % (SECP256K1_N - 1) + 1;
    }

    function deviceKey(uint256 i) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("pythia firmware device", i))) % (SECP256K1_N - 1) + 1;
    }

    function keyList(uint256 from, uint256 count) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](count);
        for (uint256 i; i < count; ++i) keys[i] = relKey(from + i);
    }

    function one(uint256 a) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](1);
        keys[0] = a;
    }

    function two(uint256 a, uint256 b) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](2);
        keys[0] = a;
        keys[1] = b;
    }

    function addrs(uint256[] memory keys) internal pure returns (address[] memory out) {
        out = new address[](keys.length);
        for (uint256 i; i < keys.length; ++i) out[i] = vm.addr(keys[i]);
    }

    /// @dev Signs `digest` with each key, ordered by ascending signer address (as the registry requires).
    function signSorted(uint256[] memory keys, bytes32 digest) internal pure returns (bytes[] memory sigs) {
        uint256[] memory sorted = new uint256[](keys.length);
        for (uint256 i; i < keys.length; ++i) sorted[i] = keys[i];
        for (uint256 i = 1; i < sorted.length; ++i) {
            for (uint256 j = i; j > 0 && vm.addr(sorted[j - 1]) > vm.addr(sorted[j]); --j) {
                (sorted[j - 1], sorted[j]) = (sorted[j], sorted[j - 1]);
            }
        }
        sigs = new bytes[](keys.length);
        for (uint256 i; i < sorted.length; ++i) sigs[i] = sign(sorted[i], digest);
    }

    function sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    // ================================================================ EIP-712 (independent of the contract)

    function domain() internal view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    DOMAIN_TYPEHASH,
                    keccak256("Pythia Firmware"),
                    keccak256("1"),
                    block.chainid,
                    address(registry)
                )
            );
    }

    function typed(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domain(), structHash));
    }

    function manifestHashOf(Manifest memory m) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    MANIFEST_TYPEHASH_,
                    m.classId,
                    m.sequence,
                    m.digest,
                    m.size,
                    keccak256(bytes(m.location)),
                    m.issuedAt
                )
            );
    }

    function rotationHashOf(
        uint16 classId,
        uint64 version,
        address[] memory keys,
        uint8 threshold
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(ROTATION_TYPEHASH_, classId, version, keccak256(abi.encodePacked(keys)), threshold));
    }

    // ================================================================ releases and reports

    function imageDigest(uint16 classId, uint64 sequence) internal pure returns (bytes32) {
        return sha256(abi.encode("firmware image", classId, sequence));
    }

    /// @dev A well-formed manifest issued now.
    function manifest(uint16 classId, uint64 sequence) internal view returns (Manifest memory m) {
        m.classId = classId;
        m.sequence = sequence;
        m.digest = imageDigest(classId, sequence);
        m.size = 512_000;
        m.location = string.concat("https://firmware.example/", vm.toString(uint256(classId)), "/", vm.toString(uint256(sequence)));
        m.issuedAt = uint64(block.timestamp);
    }

    function signManifest(Manifest memory m, uint256[] memory keys) internal view returns (bytes[] memory) {
        return signSorted(keys, typed(manifestHashOf(m)));
    }

    function keysOf(uint16 classId) internal view returns (uint256[] memory) {
        return classId == AIR ? airKeys : parkingKeys;
    }

    /// @dev Publishes a manifest signed by the class's threshold (the first two keys).
    function publish(Manifest memory m) internal returns (bytes32) {
        uint256[] memory keys = keysOf(m.classId);
        vm.prank(manufacturerOf(m.classId));
        return registry.publishRelease(m, signManifest(m, two(keys[0], keys[1])));
    }

    function publish(uint16 classId, uint64 sequence) internal returns (bytes32) {
        return publish(manifest(classId, sequence));
    }

    function manufacturerOf(uint16 classId) internal view returns (address) {
        return classId == AIR ? manufacturer : otherManufacturer;
    }

    function reportSig(
        uint256 key,
        address device,
        uint64 sequence,
        bytes32 digest,
        uint64 nonce
    ) internal view returns (bytes memory) {
        return sign(key, typed(keccak256(abi.encode(REPORT_TYPEHASH_, device, sequence, digest, nonce))));
    }

    /// @dev A report signed by `key` for `device`, relayed by a stranger (the gateway).
    function report(
        uint256 key,
        address device,
        uint64 sequence,
        bytes32 digest,
        uint64 nonce
    ) internal returns (ReportVerdict) {
        bytes memory sig = reportSig(key, device, sequence, digest, nonce);
        vm.prank(stranger);
        return registry.reportFirmware(device, sequence, digest, nonce, sig);
    }

    function installed(address device) internal view returns (uint64 sequence) {
        (sequence, ) = registry.installedFirmware(device);
    }

    function approval(address device, bytes32 releaseId) internal view returns (bool ok, uint8 reason) {
        return registry.isApproved(device, releaseId);
    }
}
