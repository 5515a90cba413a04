"""The GPU pipeline on KFP v2, placed on a GPU pool by that pool's own Placement."""
