// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FleetBase} from "./FleetBase.sol";
import {DeviceIdentity} from "../../src/DeviceIdentity.sol";
import {DeviceOwnership} from "../../src/DeviceOwnership.sol";

/// @notice Shared fixture of the identity and ownership tests: the fleet of FleetBase wired as
/// `pythia up` wires it (ownership set on the fleet; the identity contract holds IDENTITY_ROLE and
/// MANUFACTURER_ROLE; the operator holds the identity's OPERATOR_ROLE), class AIR assigned to a
/// factory key by the admin (in a deployment: the council's timelock), and independent EIP-712 encoders to sign provenance, rotations and acknowledgements.
abstract contract IdentityBase is FleetBase {
    DeviceIdentity internal identity;
    DeviceOwnership internal ownership;

    uint256 internal constant FACTORY_KEY = 0xFAC7041;
    address internal factory;

    bytes32 internal constant PROVENANCE_TYPEHASH = keccak256("DeviceProvenance(bytes32 publicKeyHash,uint16 classId)");
    bytes32 internal constant ROTATION_TYPEHASH =
        keccak256("KeyRotation(address device,bytes32 newPublicKeyHash,uint64 nonce)");
    bytes32 internal constant ACK_TYPEHASH = keccak256("OwnerAcknowledgement(address device,address owner,uint64 epoch)");

    function setUp() public virtual override {
        super.setUp();
        factory = vm.addr(FACTORY_KEY);
        ownership = new DeviceOwnership(address(fleet));
        identity = new DeviceIdentity(admin, 0, address(fleet), address(ownership));
        vm.startPrank(admin);
        fleet.setDeviceOwnership(address(ownership));
        fleet.grantRole(fleet.IDENTITY_ROLE(), address(identity));
        fleet.grantRole(fleet.MANUFACTURER_ROLE(), address(identity));
        identity.grantRole(identity.OPERATOR_ROLE(), operator);
        identity.assignClassManufacturer(AIR, factory);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- EIP-712

    function domainOf(string memory name, address verifyingContract) internal view returns (bytes32) {
        return
            keccak256(
                abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256("1"), block.chainid, verifyingContract)
            );
    }

    function typed(bytes32 domain, bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    /// @dev A 65-byte r ‖ s ‖ v signature (forge's vm.sign always returns low s).
    function sig(uint256 privateKey, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(privateKey, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev The malleable twin of a signature: s' = n - s, v flipped (refused by the EIP-2 rule).
    function highS(bytes memory signature) internal pure returns (bytes memory) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        return abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    function provenanceDigest(bytes memory publicKey, uint16 classId) internal view returns (bytes32) {
        return
            typed(
                domainOf("Pythia Identity", address(identity)),
                keccak256(abi.encode(PROVENANCE_TYPEHASH, keccak256(publicKey), classId))
            );
    }

    function provenanceSig(uint256 signerKey, bytes memory publicKey, uint16 classId) internal view returns (bytes memory) {
        return sig(signerKey, provenanceDigest(publicKey, classId));
    }

    function rotationDigest(address device, bytes memory newPublicKey, uint64 nonce) internal view returns (bytes32) {
        return
            typed(
                domainOf("Pythia Identity", address(identity)),
                keccak256(abi.encode(ROTATION_TYPEHASH, device, keccak256(newPublicKey), nonce))
            );
    }

    function ackDigest(address device, address owner, uint64 epoch) internal view returns (bytes32) {
        return typed(domainOf("Pythia Ownership", address(ownership)), keccak256(abi.encode(ACK_TYPEHASH, device, owner, epoch)));
    }

    // ---------------------------------------------------------------- flows

    /// @dev Provisions device key `privateKey` under the factory's signature; the factory owns it.
    function provision(uint256 privateKey) internal returns (address device) {
        bytes memory publicKey = publicKeyOf(privateKey);
        vm.prank(stranger); // anyone may submit
        device = identity.provisionDevice(publicKey, AIR, provenanceSig(FACTORY_KEY, publicKey, AIR));
    }

    /// @dev Offer by the current owner and accept by `to`.
    function transfer(address device, address to) internal {
        vm.prank(ownership.ownerOfDevice(device));
        ownership.offerTransfer(device, to);
        vm.prank(to);
        ownership.acceptTransfer(device);
    }

    struct Rotation {
        address owner;
        bytes newPublicKey;
        bytes oldSig;
        bytes newSig;
    }

    /// @dev Everything to rotate `device` from `oldKey` to `newKey`, prepared before any expectRevert
    /// or expectEmit (those apply to the next call, and reading the nonce is a call).
    function rotation(address device, uint256 oldKey, uint256 newKey) internal returns (Rotation memory r) {
        r.owner = ownership.ownerOfDevice(device);
        r.newPublicKey = publicKeyOf(newKey);
        bytes32 digest = rotationDigest(device, r.newPublicKey, identity.keyRotations(device));
        r.oldSig = sig(oldKey, digest);
        r.newSig = sig(newKey, digest);
    }

    function send(address device, Rotation memory r) internal {
        vm.prank(r.owner);
        identity.rotateDeviceKey(device, r.newPublicKey, r.oldSig, r.newSig);
    }

    /// @dev Rotates `device` from `oldKey` to `newKey`, sent by its owner.
    function rotate(address device, uint256 oldKey, uint256 newKey) internal {
        send(device, rotation(device, oldKey, newKey));
    }
}
