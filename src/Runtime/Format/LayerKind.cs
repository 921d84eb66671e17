namespace EmbeddedNets.Format;

/// <summary>
/// The ops of the format. The numeric values are the op tags of layer records; each op is one
/// class in <c>Format/Ops</c> (attributes, body encoding, validation, shape rule) registered in
/// <see cref="OpRegistry"/>.
/// </summary>
public enum LayerKind : byte
{
    /// <summary>Fully connected: <c>y = W x + b</c>, W of shape [outputs, inputs].</summary>
    Dense = 1,

    /// <summary>2-D convolution (cross-correlation, as PyTorch) with groups, W of shape [out, in / groups, kh, kw].</summary>
    Conv2d = 2,

    /// <summary>2-D max pooling with stride and zero-or-more padding (padding never wins), floor mode.</summary>
    MaxPool2d = 3,

    /// <summary>Rectified linear unit, element-wise.</summary>
    ReLU = 4,

    /// <summary>Reshapes any shape to [element count] (row-major, as PyTorch).</summary>
    Flatten = 5,

    /// <summary>Softmax over the flat vector.</summary>
    Softmax = 6,

    /// <summary>2-D average pooling with stride and padding, floor mode (format version 2).</summary>
    AvgPool2d = 7,

    /// <summary>Mean over each channel's plane: [c, h, w] → [c, 1, 1] (format version 2).</summary>
    GlobalAvgPool = 8,

    /// <summary>Element-wise sum of two inputs of the same shape: a residual connection (format version 2).</summary>
    Add = 9,

    /// <summary>Element-wise clamp to [min, max]; ReLU6 is Clip(0, 6) (format version 2).</summary>
    Clip = 10,

    /// <summary>Element-wise logistic sigmoid (format version 2).</summary>
    Sigmoid = 11,

    /// <summary>Element-wise hyperbolic tangent (format version 2).</summary>
    Tanh = 12,

    /// <summary>Per-channel <c>y = x × scale[c] + shift[c]</c>: a batch norm with nothing before it to fold into (format version 2).</summary>
    ScaleShift = 13,

    /// <summary>Reinterprets the row-major data with another shape of the same element count (format version 2).</summary>
    Reshape = 14,
}
