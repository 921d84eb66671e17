// Language features whose types netstandard2.0 lacks.
namespace System.Runtime.CompilerServices;

internal static class IsExternalInit
{
}
