"""Source templates for the generated benchmark models, one function per kind of block.

Each template is the kind of code found in real Keras/PyTorch model files: subclassed
`keras.layers.Layer`s and `keras.Model`s with convolutions, normalization and attention,
`if/else` arms, loops over layer lists, helper methods, docstrings and comments, a few torch
`nn.Module`s and functional-API builders. The `*_bug` templates contain a real stateful-layer
reuse (one normalization layer called at two sites on one path, or inside a loop), so every
language server under test has something to report. `generate_models.py` picks and fills them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from string import Template

STAGES = ("Stem", "Encoder", "Decoder", "Bottleneck", "Spatial", "Channel", "Context", "Fusion")
SUMMARIES = (
    "Extracts local features at one resolution",
    "Mixes channels before the next downsampling stage",
    "Keeps the spatial size and refines features",
    "Produces the features consumed by the detection head",
    "Builds a coarse context representation",
    "Used by the segmentation decoder to recover detail",
)
ACTIVATIONS = ("relu", "gelu", "swish", "elu")


@dataclass(frozen=True)
class Block:
    """One top-level definition of the generated module."""

    name: str
    source: str
    has_reuse_bug: bool = False
    # Names of Keras layer classes that take `filters` and map an image tensor to an image
    # tensor, so later model classes can compose them.
    image_layers: tuple[str, ...] = field(default=())


def _fill(template: str, **values: object) -> str:
    return Template(template).substitute({key: str(value) for key, value in values.items()})


def conv_block(rng: random.Random, index: int) -> Block:
    name = f"{rng.choice(STAGES)}ConvBlock{index}"
    source = _fill(
        '''
class $name(keras.layers.Layer):
    """$summary.

    Conv -> BatchNorm -> activation, with an optional max pooling at the end.
    """

    def __init__(self, filters=$filters, kernel_size=$kernel, pool=False, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.pool = pool
        self.conv = layers.Conv2D(filters, kernel_size, padding="same", use_bias=False)
        self.norm = layers.BatchNormalization(momentum=$momentum)
        self.act = layers.Activation("$activation")
        self.downsample = layers.MaxPooling2D(pool_size=2) if pool else None

    def call(self, inputs, training=None):
        x = self.conv(inputs)
        x = self.norm(x, training=training)
        x = self.act(x)
        if self.downsample is not None:
            # Pooling is optional so the same block serves the stem and later stages.
            x = self.downsample(x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update(
            {"filters": self.filters, "kernel_size": self.kernel_size, "pool": self.pool}
        )
        return config
''',
        name=name,
        summary=rng.choice(SUMMARIES),
        filters=rng.choice((16, 32, 64, 128)),
        kernel=rng.choice((1, 3, 5)),
        momentum=rng.choice((0.9, 0.99)),
        activation=rng.choice(ACTIVATIONS),
    )
    return Block(name, source, image_layers=(name,))


def residual_block(rng: random.Random, index: int) -> Block:
    name = f"{rng.choice(STAGES)}ResidualUnit{index}"
    source = _fill(
        '''
class $name(keras.layers.Layer):
    """Residual unit: two 3x3 convolutions, projection shortcut when the width changes."""

    def __init__(self, filters=$filters, strides=1, project=False, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.strides = strides
        self.conv_a = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)
        self.norm_a = layers.BatchNormalization()
        self.conv_b = layers.Conv2D(filters, 3, padding="same", use_bias=False)
        self.norm_b = layers.BatchNormalization()
        if project or strides != 1:
            self.shortcut_conv = layers.Conv2D(filters, 1, strides=strides, use_bias=False)
            self.shortcut_norm = layers.BatchNormalization()
        else:
            self.shortcut_conv = None
            self.shortcut_norm = None

    def _shortcut(self, inputs, training=None):
        # Identity when shapes already match; otherwise a 1x1 projection.
        if self.shortcut_conv is None:
            return inputs
        return self.shortcut_norm(self.shortcut_conv(inputs), training=training)

    def call(self, inputs, training=None):
        shortcut = self._shortcut(inputs, training=training)
        x = ops.relu(self.norm_a(self.conv_a(inputs), training=training))
        x = self.norm_b(self.conv_b(x), training=training)
        x = x * $scale
        return ops.relu(x + shortcut)
''',
        name=name,
        filters=rng.choice((32, 64, 128, 256)),
        scale=rng.choice((1.0, 0.5, 0.2)),
    )
    return Block(name, source, image_layers=(name,))


def attention_block(rng: random.Random, index: int) -> Block:
    name = f"{rng.choice(STAGES)}TransformerBlock{index}"
    heads = rng.choice((2, 4, 8))
    source = _fill(
        '''
class $name(keras.layers.Layer):
    """Pre-norm transformer encoder block: self-attention, then a two-layer MLP.

    Both sublayers sit in residual connections; dropout is applied to each residual branch
    before the addition, as in the ViT reference implementation.
    """

    def __init__(self, embed_dim=$dim, num_heads=$heads, mlp_ratio=$ratio, rate=$rate, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.attention = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim // num_heads
        )
        self.norm_1 = layers.LayerNormalization(epsilon=1e-6)
        self.norm_2 = layers.LayerNormalization(epsilon=1e-6)
        self.mlp = keras.Sequential(
            [
                layers.Dense(embed_dim * mlp_ratio, activation="gelu"),
                layers.Dense(embed_dim),
            ]
        )
        self.dropout_1 = layers.Dropout(rate)
        self.dropout_2 = layers.Dropout(rate)

    def _attend(self, x, mask=None, training=None):
        """Self-attention on the normalized input; the mask hides padded tokens."""
        y = self.norm_1(x)
        y = self.attention(y, y, attention_mask=mask, training=training)
        return self.dropout_1(y, training=training)

    def call(self, inputs, mask=None, training=None):
        x = inputs + self._attend(inputs, mask=mask, training=training)
        y = self.mlp(self.norm_2(x))
        x = x + self.dropout_2(y, training=training)
        return x
''',
        name=name,
        dim=heads * rng.choice((16, 32, 64)),
        heads=heads,
        ratio=rng.choice((2, 4)),
        rate=rng.choice((0.0, 0.1, 0.2)),
    )
    return Block(name, source)


def layer_stack(rng: random.Random, index: int) -> Block:
    name = f"{rng.choice(STAGES)}ConvStack{index}"
    source = _fill(
        '''
class $name(keras.layers.Layer):
    """A stack of conv/norm pairs followed by squeeze-and-excitation.

    Each pair is used exactly once per call, so the lists hold no shared state.
    """

    def __init__(self, filters=$filters, depth=$depth, **kwargs):
        super().__init__(**kwargs)
        self.convs = [layers.Conv2D(filters, 3, padding="same") for _ in range(depth)]
        self.norms = [layers.BatchNormalization() for _ in range(depth)]
        self.squeeze = layers.GlobalAveragePooling2D(keepdims=True)
        self.gate = layers.Dense(filters, activation="sigmoid")

    def _squeeze_excite(self, x):
        # Channel attention: rescale each feature map by a learned gate.
        weights = self.gate(self.squeeze(x))
        return x * weights

    def call(self, inputs, training=None):
        x = inputs
        for conv, norm in zip(self.convs, self.norms):
            x = norm(conv(x), training=training)
            x = ops.$activation(x)
        x = self._squeeze_excite(x)
        return x
''',
        name=name,
        filters=rng.choice((32, 64, 96)),
        depth=rng.choice((2, 3, 4)),
        activation=rng.choice(("relu", "gelu", "silu")),
    )
    return Block(name, source, image_layers=(name,))


def keras_model(rng: random.Random, index: int, image_layers: list[str]) -> Block:
    name = f"{rng.choice(STAGES)}Classifier{index}"
    chosen = rng.sample(image_layers, k=min(3, len(image_layers)))
    filters = rng.choice((32, 64))
    block_lines = "\n".join(f"            {layer}({filters})," for layer in chosen)
    source = _fill(
        '''
class $name(keras.Model):
    """$summary, then classifies.

    Composed of the blocks above: $block_names.
    """

    def __init__(self, num_classes=$classes, **kwargs):
        super().__init__(**kwargs)
        self.stem = layers.Conv2D($filters, 3, strides=2, padding="same")
        self.stem_norm = layers.BatchNormalization()
        self.blocks = [
$block_lines
        ]
        self.pool = layers.GlobalAveragePooling2D()
        self.dropout = layers.Dropout($rate)
        self.classifier = layers.Dense(num_classes)

    def features(self, inputs, training=None):
        """Everything but the classifier head, for feature extraction."""
        x = ops.relu(self.stem_norm(self.stem(inputs), training=training))
        for block in self.blocks:
            x = block(x, training=training)
        return self.pool(x)

    def call(self, inputs, training=None):
        x = self.features(inputs, training=training)
        if training:
            x = self.dropout(x, training=training)
        else:
            # Inference skips dropout entirely; keeps exported graphs small.
            x = ops.stop_gradient(x)
        return self.classifier(x)
''',
        name=name,
        summary=rng.choice(SUMMARIES),
        block_names=", ".join(chosen),
        classes=rng.choice((10, 100, 1000)),
        filters=filters,
        block_lines=block_lines,
        rate=rng.choice((0.1, 0.3, 0.5)),
    )
    return Block(name, source)


def torch_conv_net(rng: random.Random, index: int) -> Block:
    name = f"{rng.choice(STAGES)}TorchNet{index}"
    source = _fill(
        '''
class $name(nn.Module):
    """$summary (PyTorch port)."""

    def __init__(self, in_channels: int = 3, width: int = $width, depth: int = $depth):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, width, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
        )
        self.stages = nn.ModuleList(
            [nn.Conv2d(width, width, kernel_size=3, padding=1) for _ in range(depth)]
        )
        self.norms = nn.ModuleList([nn.BatchNorm2d(width) for _ in range(depth)])
        self.head = nn.Linear(width, $classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for conv, norm in zip(self.stages, self.norms):
            x = F.relu(norm(conv(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.head(x)
''',
        name=name,
        summary=rng.choice(SUMMARIES),
        width=rng.choice((16, 32, 64)),
        depth=rng.choice((2, 3)),
        classes=rng.choice((10, 100)),
    )
    return Block(name, source)


def torch_attention(rng: random.Random, index: int) -> Block:
    name = f"{rng.choice(STAGES)}TorchAttention{index}"
    source = _fill(
        '''
class $name(nn.Module):
    """Transformer encoder layer in PyTorch, batch first."""

    def __init__(self, dim: int = $dim, heads: int = $heads):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ff_norm = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, dim * 4), nn.GELU(), nn.Linear(dim * 4, dim))

    def forward(self, x, key_padding_mask=None):
        y = self.norm(x)
        # need_weights=False selects the fused attention kernel.
        y, _ = self.attn(y, y, y, key_padding_mask=key_padding_mask, need_weights=False)
        x = x + y
        return x + self.ff(self.ff_norm(x))
''',
        name=name,
        dim=rng.choice((64, 128, 256)),
        heads=rng.choice((4, 8)),
    )
    return Block(name, source)


def functional_model(rng: random.Random, index: int) -> Block:
    name = f"build_{rng.choice(STAGES).lower()}_cnn_{index}"
    filters = rng.choice((16, 32))
    source = _fill(
        '''
def $name(input_shape=($size, $size, 3), num_classes=$classes):
    """Functional-API baseline: two conv stages and a softmax head."""
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D($filters, 3, padding="same", activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D($filters2, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="$name")
''',
        name=name,
        size=rng.choice((32, 64, 224)),
        classes=rng.choice((10, 1000)),
        filters=filters,
        filters2=filters * 2,
    )
    return Block(name, source)


def keras_chain_bug(rng: random.Random, index: int) -> Block:
    name = f"{rng.choice(STAGES)}FeatureExtractor{index}"
    source = _fill(
        '''
class $name(keras.layers.Layer):
    """Two convolutions and pooling; extracts $summary features."""

    def __init__(self, filters=$filters, **kwargs):
        super().__init__(**kwargs)
        self.conv_1 = layers.Conv2D(filters // 2, 3, padding="valid", activation="relu")
        self.conv_2 = layers.Conv2D(filters, 3, padding="valid", activation="relu")
        self.bn = layers.BatchNormalization()
        self.maxpool = layers.MaxPooling2D(pool_size=2, strides=2)  # stateless, reuse is fine

    def call(self, inputs, training=None):
        x = self.maxpool(self.bn(self.conv_1(inputs), training=training))
        x = self.maxpool(self.bn(self.conv_2(x), training=training))
        return x
''',
        name=name,
        summary=rng.choice(("low-level", "texture", "edge")),
        filters=rng.choice((16, 32, 64)),
    )
    return Block(name, source, has_reuse_bug=True)


def keras_loop_bug(rng: random.Random, index: int) -> Block:
    name = f"{rng.choice(STAGES)}RepeatedConv{index}"
    source = _fill(
        '''
class $name(keras.layers.Layer):
    """Repeats a conv/norm step `depth` times with fresh convolution weights."""

    def __init__(self, filters=$filters, depth=$depth, **kwargs):
        super().__init__(**kwargs)
        self.convs = [layers.Conv2D(filters, 3, padding="same") for _ in range(depth)]
        self.norm = layers.BatchNormalization()

    def call(self, inputs, training=None):
        x = inputs
        for conv in self.convs:
            x = self.norm(conv(x), training=training)
            x = ops.relu(x)
        return x
''',
        name=name,
        filters=rng.choice((32, 64)),
        depth=rng.choice((2, 3, 4)),
    )
    return Block(name, source, has_reuse_bug=True)


def torch_chain_bug(rng: random.Random, index: int) -> Block:
    name = f"{rng.choice(STAGES)}TorchDoubleConv{index}"
    source = _fill(
        '''
class $name(nn.Module):
    """(conv => BN => ReLU) * 2, as in U-Net."""

    def __init__(self, in_channels: int = $channels, out_channels: int = $out):
        super().__init__()
        self.conv_1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
        self.conv_2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x):
        x = F.relu(self.bn(self.conv_1(x)))
        x = F.relu(self.bn(self.conv_2(x)))
        return x
''',
        name=name,
        channels=rng.choice((3, 16, 32)),
        out=rng.choice((32, 64)),
    )
    return Block(name, source, has_reuse_bug=True)


def functional_bug(rng: random.Random, index: int) -> Block:
    name = f"build_{rng.choice(STAGES).lower()}_tower_{index}"
    source = _fill(
        '''
def $name(input_shape=($size, $size, 3)):
    """Functional-API tower with one normalization layer for both stages."""
    inputs = keras.Input(shape=input_shape)
    norm = layers.BatchNormalization()
    x = norm(layers.Conv2D($filters, 3, padding="same")(inputs))
    x = layers.Conv2D($filters2, 3, padding="same")(x)
    x = norm(x)
    outputs = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, outputs, name="$name")
''',
        name=name,
        size=rng.choice((32, 64)),
        filters=rng.choice((16, 32)),
        filters2=rng.choice((48, 64)),
    )
    return Block(name, source, has_reuse_bug=True)


CLEAN_KINDS = (
    (conv_block, 4),
    (residual_block, 3),
    (attention_block, 3),
    (layer_stack, 2),
    (torch_conv_net, 1),
    (torch_attention, 1),
    (functional_model, 1),
)
BUG_KINDS = (keras_chain_bug, keras_loop_bug, torch_chain_bug, functional_bug)
