return EmbeddedNets.Compressor.Cli.Run(args);
