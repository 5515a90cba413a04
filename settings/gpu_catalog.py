"""The GPU facts GKE enforces, in one table, so that validation and the render summary never disagree.

Sources (read 2026-12):
- machine types and GPU counts: https://cloud.google.com/compute/docs/gpus
  (accelerator-optimized families A2, A3, A4, G2, G4 come with a fixed count;
  N1 takes T4, V100, P4 and P100 attached, with a vCPU ceiling per count)
- MIG partition sizes: https://cloud.google.com/kubernetes-engine/docs/how-to/gpus-multi
- sharing: https://cloud.google.com/kubernetes-engine/docs/concepts/timesharing-gpus and
  https://cloud.google.com/kubernetes-engine/docs/how-to/nvidia-mps-gpus
  (1 to 48 clients per GPU; time-sharing may run on MIG partitions, MPS may not;
  a container sharing a GPU asks for at most one)
"""

from dataclasses import dataclass, field
import re
from typing import Mapping, Optional

MAX_SHARED_CLIENTS_PER_GPU = 48
SHARING_STRATEGIES_WITH_MIG = ("TIME_SHARING",)


@dataclass(frozen=True)
class Accelerator:
    display_name: str
    # accelerator-optimized machine type -> the GPU count it comes with
    machine_types: Mapping[str, int] = field(default_factory=dict)
    # N1 only: GPU count -> the most vCPUs an N1 machine may have with that count
    n1_max_vcpus: Mapping[int, int] = field(default_factory=dict)
    # MIG partition size -> partitions per GPU
    mig_partitions: Mapping[str, int] = field(default_factory=dict)


_A100_40_MIG = {"1g.5gb": 7, "2g.10gb": 3, "3g.20gb": 2, "7g.40gb": 1}
_80GB_MIG = {"1g.10gb": 7, "2g.20gb": 3, "3g.40gb": 2, "7g.80gb": 1}
_H100_MIG = {"1g.10gb": 7, "1g.20gb": 4, "2g.20gb": 3, "3g.40gb": 2, "7g.80gb": 1}

ACCELERATORS: Mapping[str, Accelerator] = {
    "nvidia-l4": Accelerator(
        "NVIDIA L4",
        machine_types={
            "g2-standard-4": 1, "g2-standard-8": 1, "g2-standard-12": 1, "g2-standard-16": 1,
            "g2-standard-24": 2, "g2-standard-32": 1, "g2-standard-48": 4, "g2-standard-96": 8,
        },
    ),
    "nvidia-rtx-pro-6000": Accelerator(
        "NVIDIA RTX PRO 6000",
        machine_types={"g4-standard-48": 1, "g4-standard-96": 2, "g4-standard-192": 4, "g4-standard-384": 8},
    ),
    "nvidia-tesla-a100": Accelerator(
        "NVIDIA A100 40GB",
        machine_types={
            "a2-highgpu-1g": 1, "a2-highgpu-2g": 2, "a2-highgpu-4g": 4, "a2-highgpu-8g": 8,
            "a2-megagpu-16g": 16,
        },
        mig_partitions=_A100_40_MIG,
    ),
    "nvidia-a100-80gb": Accelerator(
        "NVIDIA A100 80GB",
        machine_types={"a2-ultragpu-1g": 1, "a2-ultragpu-2g": 2, "a2-ultragpu-4g": 4, "a2-ultragpu-8g": 8},
        mig_partitions=_80GB_MIG,
    ),
    "nvidia-h100-80gb": Accelerator(
        "NVIDIA H100 80GB",
        machine_types={
            "a3-highgpu-1g": 1, "a3-highgpu-2g": 2, "a3-highgpu-4g": 4, "a3-highgpu-8g": 8,
            "a3-edgegpu-8g": 8,
        },
        mig_partitions=_H100_MIG,
    ),
    "nvidia-h100-mega-80gb": Accelerator(
        "NVIDIA H100 Mega 80GB", machine_types={"a3-megagpu-8g": 8}, mig_partitions=_H100_MIG
    ),
    "nvidia-h200-141gb": Accelerator("NVIDIA H200 141GB", machine_types={"a3-ultragpu-8g": 8}),
    "nvidia-b200": Accelerator("NVIDIA B200", machine_types={"a4-highgpu-8g": 8}),
    "nvidia-tesla-t4": Accelerator("NVIDIA T4", n1_max_vcpus={1: 48, 2: 48, 4: 96}),
    "nvidia-tesla-v100": Accelerator("NVIDIA V100", n1_max_vcpus={1: 12, 2: 24, 4: 48, 8: 96}),
    "nvidia-tesla-p4": Accelerator("NVIDIA P4", n1_max_vcpus={1: 24, 2: 48, 4: 96}),
    "nvidia-tesla-p100": Accelerator("NVIDIA P100", n1_max_vcpus={1: 16, 2: 32, 4: 64}),
}

_N1_MACHINE_TYPE = re.compile(r"^n1-(standard|highmem|highcpu)-(\d+)$")


def gpu_counts(accelerator_type: str, machine_type: str) -> Optional[tuple[int, ...]]:
    """The GPU counts `machine_type` can carry of `accelerator_type`; None when the two do not go together."""
    accelerator = ACCELERATORS[accelerator_type]
    if machine_type in accelerator.machine_types:
        return (accelerator.machine_types[machine_type],)
    n1 = _N1_MACHINE_TYPE.match(machine_type)
    if n1 and accelerator.n1_max_vcpus:
        vcpus = int(n1.group(2))
        counts = tuple(c for c, most in sorted(accelerator.n1_max_vcpus.items()) if vcpus <= most)
        return counts or None
    return None


def machine_types_for(accelerator_type: str) -> str:
    """Human-readable list of the machine types an accelerator goes with, for error messages."""
    accelerator = ACCELERATORS[accelerator_type]
    if accelerator.n1_max_vcpus:
        return "an n1-standard/highmem/highcpu machine (" + ", ".join(
            f"{count} GPU(s) up to {vcpus} vCPUs" for count, vcpus in sorted(accelerator.n1_max_vcpus.items())
        ) + ")"
    return ", ".join(f"{m} ({n} GPU{'s' if n > 1 else ''})" for m, n in accelerator.machine_types.items())
