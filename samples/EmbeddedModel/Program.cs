using EmbeddedModel;

// The three models from samples/EmbeddedModel/Models/*.dcz (the two LeNets and a small
// depthwise-separable CNN with a residual block), compiled into this assembly by
// EmbeddedNets.Generator (see EmbeddedModel.csproj). Nothing is read from disk to run them.
EmbeddedClassifier[] models =
[
    new(
        nameof(LeNet300100),
        LeNet300100.InputLength,
        LeNet300100.OutputLength,
        LeNet300100.DenseBytes,
        LeNet300100.PayloadBytes,
        LeNet300100.EmbeddedBytes,
        LeNet300100.RecordedCorrect,
        LeNet300100.RecordedTestCount,
        LeNet300100.ScoresAreProbabilities,
        LeNet300100.Preprocess,
        LeNet300100.Predict,
        LeNet300100.Predict),
    new(
        nameof(LeNet5),
        LeNet5.InputLength,
        LeNet5.OutputLength,
        LeNet5.DenseBytes,
        LeNet5.PayloadBytes,
        LeNet5.EmbeddedBytes,
        LeNet5.RecordedCorrect,
        LeNet5.RecordedTestCount,
        LeNet5.ScoresAreProbabilities,
        LeNet5.Preprocess,
        LeNet5.Predict,
        LeNet5.Predict),
    new(
        nameof(DsCnn),
        DsCnn.InputLength,
        DsCnn.OutputLength,
        DsCnn.DenseBytes,
        DsCnn.PayloadBytes,
        DsCnn.EmbeddedBytes,
        DsCnn.RecordedCorrect,
        DsCnn.RecordedTestCount,
        DsCnn.ScoresAreProbabilities,
        DsCnn.Preprocess,
        DsCnn.Predict,
        DsCnn.Predict),
];

return SampleApp.Run(args, models, Console.Out, Console.Error);
